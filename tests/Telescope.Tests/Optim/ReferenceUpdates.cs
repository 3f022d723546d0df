using Telescope.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Tests.Optim;

/// <summary>Expected Δθ_t and its components for one step, from the textbook formulas.</summary>
internal sealed record ExpectedUpdate(Tensor[] Total, Dictionary<string, Tensor[]> Components) : IDisposable
{
    public void Dispose()
    {
        OptimTestKit.DisposeAll(Total);
        foreach (var c in Components.Values) OptimTestKit.DisposeAll(c);
    }
}

/// <summary>
/// An independent re-derivation of the optimizers' updates for tests: plain tensor formulas in the dtype of the
/// inputs (use float64), with its own state, written from SPEC §1/§2b and the PyTorch docs rather than from the
/// library code (e.g. PyTorch's literal "b_1 = clone(g_1)" and T = 1/(sqrt(v/(1−β2^t)) + ε)).
/// </summary>
internal static class ReferenceUpdates
{
    /// <summary>s = min(1, max/(‖∇‖ + 1e-6)) from the gradients (1 without clipping).</summary>
    public static double ClipScale(IReadOnlyList<Tensor> gradients, double? maxNorm)
    {
        if (maxNorm is not double m) return 1.0;
        double squares = gradients.Sum(g =>
        {
            using var s = g.to_type(ScalarType.Float64).square().sum();
            return s.ToDouble();
        });
        return Math.Min(1.0, m / (Math.Sqrt(squares) + 1e-6));
    }

    /// <summary>
    /// SGD step t. <paramref name="buffers"/> holds b_{t−1} (null entries before the first step) and is advanced.
    /// </summary>
    public static ExpectedUpdate Sgd(SgdOptions o, int t, Tensor[] theta, Tensor[] gradient, Tensor?[] buffers)
    {
        double gamma = o.LearningRate.At(t), beta = o.Momentum, lambda = o.WeightDecay;
        double s = ClipScale(gradient, o.MaxGradNorm);
        int n = theta.Length;
        var total = new Tensor[n];
        var grad = new Tensor[n];
        var mom = new Tensor[n];
        var wd = new Tensor[n];
        for (int i = 0; i < n; i++)
        {
            var scaled = gradient[i] * s;
            var g = scaled + lambda * theta[i];
            var previous = buffers[i] ?? torch.zeros_like(g);
            var f = o.Nesterov ? 1 + beta : 1.0;
            grad[i] = -gamma * f * scaled;
            wd[i] = -gamma * f * lambda * theta[i];
            mom[i] = -gamma * (o.Nesterov ? beta * beta : beta) * previous;
            if (beta == 0) total[i] = -gamma * g;
            else
            {
                var b = buffers[i] is null ? g.clone() : beta * previous + g;
                total[i] = o.Nesterov ? -gamma * (g + beta * b) : -gamma * b;
                buffers[i]?.Dispose();
                buffers[i] = b;
            }
        }
        var components = new Dictionary<string, Tensor[]> { [UpdateComponent.Gradient] = grad };
        if (beta > 0) components[UpdateComponent.Momentum] = mom; else OptimTestKit.DisposeAll(mom);
        if (lambda > 0) components[UpdateComponent.WeightDecay] = wd; else OptimTestKit.DisposeAll(wd);
        return new ExpectedUpdate(total, components);
    }

    /// <summary>
    /// Adam/AdamW step t. <paramref name="m"/>, <paramref name="v"/> hold m_{t−1}, v_{t−1} and are advanced;
    /// <paramref name="preconditioner"/> receives T_t.
    /// </summary>
    public static ExpectedUpdate Adam(AdamOptions o, int t, Tensor[] theta, Tensor[] gradient, Tensor[] m, Tensor[] v,
        Tensor[] preconditioner)
    {
        double gamma = o.LearningRate.At(t), b1 = o.Beta1, b2 = o.Beta2, lambda = o.WeightDecay;
        double s = ClipScale(gradient, o.MaxGradNorm);
        double c = gamma / (1 - Math.Pow(b1, t));
        int n = theta.Length;
        var total = new Tensor[n];
        var grad = new Tensor[n];
        var mom = new Tensor[n];
        var wd = new Tensor[n];
        for (int i = 0; i < n; i++)
        {
            var scaled = gradient[i] * s;
            var g = o.Decoupled ? scaled : scaled + lambda * theta[i];
            var vNew = b2 * v[i] + (1 - b2) * g * g;
            var T = 1.0 / ((vNew / (1 - Math.Pow(b2, t))).sqrt() + o.Epsilon);
            grad[i] = -c * (1 - b1) * T * scaled;
            mom[i] = -c * b1 * T * m[i];
            wd[i] = o.Decoupled ? -gamma * lambda * theta[i] : -c * (1 - b1) * lambda * T * theta[i];
            var mNew = b1 * m[i] + (1 - b1) * g;
            total[i] = -c * T * mNew;
            if (o.Decoupled) total[i] = total[i] - gamma * lambda * theta[i];
            m[i].Dispose(); m[i] = mNew;
            v[i].Dispose(); v[i] = vNew;
            preconditioner[i]?.Dispose(); preconditioner[i] = T;
        }
        var components = new Dictionary<string, Tensor[]> { [UpdateComponent.Gradient] = grad };
        if (b1 > 0) components[UpdateComponent.Momentum] = mom; else OptimTestKit.DisposeAll(mom);
        if (lambda > 0) components[UpdateComponent.WeightDecay] = wd; else OptimTestKit.DisposeAll(wd);
        return new ExpectedUpdate(total, components);
    }
}
