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
/// inputs (use float64), with its own state, written from docs/method.md §2/§4.3 and the PyTorch docs rather than from the
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
            using var s = g.to_type(ScalarType.Float64).pow(TorchScalars.Two).sum();
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
        var f = o.Nesterov ? 1 + beta : 1.0;
        // Scalars held for the whole step, once for all tensors (see TorchScalars); the products are computed in double as before.
        using var sScalar = s.ToScalar();
        using var lambdaScalar = lambda.ToScalar();
        using var betaScalar = beta.ToScalar();
        using var minusGamma = (-gamma).ToScalar();
        using var gradientScale = (-gamma * f).ToScalar();
        using var decayScale = (-gamma * f * lambda).ToScalar();
        using var momentumScale = (-gamma * (o.Nesterov ? beta * beta : beta)).ToScalar();
        for (int i = 0; i < n; i++)
        {
            var scaled = gradient[i].mul(sScalar);                                  // ∇·s
            var g = scaled.add(theta[i].mul(lambdaScalar), TorchScalars.One);        // ∇·s + λθ
            var previous = buffers[i] ?? torch.zeros_like(g);
            grad[i] = scaled.mul(gradientScale);                                    // −γ·f·(∇·s)
            wd[i] = theta[i].mul(decayScale);                                       // −γ·f·λ·θ
            mom[i] = previous.mul(momentumScale);                                   // −γ·(β² or β)·b_{t−1}
            if (beta == 0) total[i] = g.mul(minusGamma);                            // −γ·g
            else
            {
                var b = buffers[i] is null ? g.clone() : previous.mul(betaScalar).add(g, TorchScalars.One); // β·b_{t−1} + g
                total[i] = o.Nesterov
                    ? g.add(b.mul(betaScalar), TorchScalars.One).mul(minusGamma)   // −γ·(g + β·b)
                    : b.mul(minusGamma);                                            // −γ·b
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
        // Scalars held for the whole step, once for all tensors (see TorchScalars); the products are computed in double as before.
        using var sScalar = s.ToScalar();
        using var lambdaScalar = lambda.ToScalar();
        using var b1Scalar = b1.ToScalar();
        using var b2Scalar = b2.ToScalar();
        using var oneMinusB1 = (1 - b1).ToScalar();
        using var oneMinusB2 = (1 - b2).ToScalar();
        using var biasCorrection2 = (1 - Math.Pow(b2, t)).ToScalar();
        using var epsilon = o.Epsilon.ToScalar();
        using var gradientScale = (-c * (1 - b1)).ToScalar();
        using var momentumScale = (-c * b1).ToScalar();
        using var decoupledDecayScale = (-gamma * lambda).ToScalar();
        using var coupledDecayScale = (-c * (1 - b1) * lambda).ToScalar();
        using var minusC = (-c).ToScalar();
        using var gammaLambda = (gamma * lambda).ToScalar();
        for (int i = 0; i < n; i++)
        {
            var scaled = gradient[i].mul(sScalar);                                               // ∇·s
            var g = o.Decoupled ? scaled : scaled.add(theta[i].mul(lambdaScalar), TorchScalars.One); // ∇·s + λθ
            var vNew = v[i].mul(b2Scalar).add(g.mul(oneMinusB2).mul(g), TorchScalars.One);        // β2·v + (1−β2)·g·g
            // T = 1/(sqrt(v/(1−β2^t)) + ε)
            var T = vNew.div(biasCorrection2).sqrt().add(epsilon, TorchScalars.One).reciprocal();
            grad[i] = T.mul(gradientScale).mul(scaled);                                         // −c·(1−β1)·T·(∇·s)
            mom[i] = T.mul(momentumScale).mul(m[i]);                                            // −c·β1·T·m_{t−1}
            wd[i] = o.Decoupled
                ? theta[i].mul(decoupledDecayScale)                                             // −γ·λ·θ
                : T.mul(coupledDecayScale).mul(theta[i]);                                       // −c·(1−β1)·λ·T·θ
            var mNew = m[i].mul(b1Scalar).add(g.mul(oneMinusB1), TorchScalars.One);              // β1·m + (1−β1)·g
            total[i] = T.mul(minusC).mul(mNew);                                                 // −c·T·m_t
            if (o.Decoupled) total[i] = total[i] - theta[i].mul(gammaLambda);                   // … − γ·λ·θ
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
