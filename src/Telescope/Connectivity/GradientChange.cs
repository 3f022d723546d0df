using Telescope.Autodiff;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Connectivity;

/// <summary>The gradient change of one layer group (docs/method.md §7) with its standard error (0 for the exact method).</summary>
public sealed record GroupGradientChange(string Group, double Value, double StandardError);

/// <summary>
/// Gradient change by layer group between two parameter points of the same architecture (docs/method.md §7):
/// mean over probe inputs x of ‖J^l_b(x) − J^l_a(x)‖_F / ‖J^l_a(x)‖_F, where J^l is the Jacobian of the logits with
/// respect to group l's parameters, a = θ_t′ and b = θ_T. Both modules must be in evaluation mode (BatchNorm with
/// running statistics; the modules are switched to eval here). Per-example Jacobians of the whole network are
/// never stored: the exact method holds one probe's k×P rows at a time, Hutchinson only JVPs.
/// </summary>
/// <example>
/// <code>
/// // using Telescope; using Telescope.Autodiff; using Telescope.Connectivity; using Telescope.Models; using TorchSharp; using static TorchSharp.torch;
/// var options = new ResNetOptions { Width = 2, BlocksPerStage = 1, InputChannels = 1, NumClasses = 3, DType = ScalarType.Float64 };
/// var netAtSpawn = new ResNet(options, seed: 0);
/// var netAtEnd = new ResNet(options, seed: 0);   // the same θ (weights depend on the seed alone), then
/// using (torch.no_grad()) netAtEnd.Classifier.weight!.mul_(TorchScalars.Two);   // the classifier doubled: J of every earlier group doubles
/// using var gen = new Generator(0);
/// using var probes = torch.randn([3, 1, 8, 8], dtype: ScalarType.Float64, generator: gen);
/// var groups = ParameterGroup.FromModules(new TrainableParameters(netAtSpawn), netAtSpawn.LayerGroups);
/// var change = GradientChange.Measure(netAtSpawn, netAtEnd, probes, groups, GradientChangeMethod.Exact);
/// foreach (var g in change) Console.WriteLine($"{g.Group}: {g.Value:F3}");   // 1.000 for stem … stage3.block1, 0.000 for classifier
/// </code>
/// </example>
public static class GradientChange
{
    /// <summary>Measures every group's gradient change of <paramref name="b"/> relative to <paramref name="a"/> on <paramref name="probes"/>.</summary>
    /// <param name="directions">D for Hutchinson (ignored by the exact method).</param>
    public static IReadOnlyList<GroupGradientChange> Measure(nn.Module<Tensor, Tensor> a, nn.Module<Tensor, Tensor> b, Tensor probes,
        IReadOnlyList<ParameterGroup> groups, GradientChangeMethod method, int directions = 8, ulong seed = 0)
    {
        if (method == GradientChangeMethod.Exact)
        {
            var (num, den) = ExactSquaredNorms(a, b, probes, groups);
            return groups.Select((g, l) => new GroupGradientChange(g.Name, MeanRatio(num[l], den[l]), 0)).ToArray();
        }
        var (hn, hd) = HutchinsonSquaredNorms(a, b, probes, groups, directions, seed);
        var result = new GroupGradientChange[groups.Count];
        for (int l = 0; l < groups.Count; l++)
        {
            int n = hn[l].GetLength(0);
            double sum = 0, seSum = 0;
            for (int i = 0; i < n; i++)
            {
                var (ratio, se) = RatioWithError(Row(hn[l], i), Row(hd[l], i));
                sum += ratio;
                seSum += se;
            }
            // The same directions serve every probe, so per-probe errors are correlated: their mean bounds the SE.
            result[l] = new GroupGradientChange(groups[l].Name, sum / n, seSum / n);
        }
        return result;
    }

    /// <summary>
    /// Exact per-probe squared norms: [group][probe] of ‖J^l_b − J^l_a‖²_F and ‖J^l_a‖²_F, from one reverse pass per
    /// (probe, logit) at each point.
    /// </summary>
    public static (double[][] Difference, double[][] Reference) ExactSquaredNorms(nn.Module<Tensor, Tensor> a, nn.Module<Tensor, Tensor> b,
        Tensor probes, IReadOnlyList<ParameterGroup> groups)
    {
        var pa = new TrainableParameters(a).Tensors.ToArray();
        var pb = new TrainableParameters(b).Tensors.ToArray();
        CheckSameShapes(pa, pb);
        a.eval();
        b.eval();
        int n = (int)probes.shape[0];
        var diff = groups.Select(_ => new double[n]).ToArray();
        var reference = groups.Select(_ => new double[n]).ToArray();
        for (int i = 0; i < n; i++)
        {
            using var scope = torch.NewDisposeScope();
            var x = probes.narrow(0, i, 1);
            var ja = GroupJacobians(a, pa, x, groups);
            var jb = GroupJacobians(b, pb, x, groups);
            for (int l = 0; l < groups.Count; l++)
            {
                diff[l][i] = (jb[l] - ja[l]).pow(TorchScalars.Two).sum().ToDouble();
                reference[l][i] = ja[l].pow(TorchScalars.Two).sum().ToDouble();
            }
        }
        return (diff, reference);
    }

    /// <summary>
    /// Hutchinson squared norms: [group][probe, direction] of ‖(J^l_b − J^l_a)v_d‖² and ‖J^l_a v_d‖², v_d Rademacher on
    /// group l's parameters (zero elsewhere), the same v_d at both points.
    /// </summary>
    public static (double[][,] Difference, double[][,] Reference) HutchinsonSquaredNorms(nn.Module<Tensor, Tensor> a,
        nn.Module<Tensor, Tensor> b, Tensor probes, IReadOnlyList<ParameterGroup> groups, int directions, ulong seed)
    {
        if (directions < 2) throw new ArgumentOutOfRangeException(nameof(directions), directions, "Hutchinson needs at least 2 directions for a standard error.");
        a.eval();
        b.eval();
        var engineA = new DoubleBackwardJvp(a);
        var engineB = new DoubleBackwardJvp(b);
        CheckSameShapes(engineA.Parameters.Tensors, engineB.Parameters.Tensors);
        int n = (int)probes.shape[0];
        var diff = groups.Select(_ => new double[n, directions]).ToArray();
        var reference = groups.Select(_ => new double[n, directions]).ToArray();
        using var generator = new Generator(seed, device: torch.CPU);
        for (int l = 0; l < groups.Count; l++)
        {
            using var scope = torch.NewDisposeScope();
            var inGroup = groups[l].Indices.ToHashSet();
            var tangents = new IReadOnlyList<Tensor>[directions];
            for (int d = 0; d < directions; d++)
                tangents[d] = engineA.Parameters.Tensors.Select((p, i) => inGroup.Contains(i)
                    ? torch.randint(0, 2, p.shape, generator: generator, dtype: p.dtype).mul_(TorchScalars.Two).sub_(TorchScalars.One).to(p.device)
                    : torch.zeros_like(p)).ToArray();
            using var ra = engineA.Compute(probes, tangents);
            using var rb = engineB.Compute(probes, tangents);
            var d2 = (rb.Jvps - ra.Jvps).pow(TorchScalars.Two).sum(2).cpu().to_type(ScalarType.Float64);   // [D, N]
            var r2 = ra.Jvps.pow(TorchScalars.Two).sum(2).cpu().to_type(ScalarType.Float64);
            var dv = d2.data<double>().ToArray();
            var rv = r2.data<double>().ToArray();
            for (int d = 0; d < directions; d++)
                for (int i = 0; i < n; i++)
                {
                    diff[l][i, d] = dv[d * n + i];
                    reference[l][i, d] = rv[d * n + i];
                }
        }
        return (diff, reference);
    }

    /// <summary>Per-group Jacobians [k, P_l] of the logits of one input.</summary>
    private static Tensor[] GroupJacobians(nn.Module<Tensor, Tensor> module, Tensor[] parameters, Tensor x, IReadOnlyList<ParameterGroup> groups)
    {
        using var grad = torch.enable_grad();
        var f = module.forward(x);
        int k = (int)f.shape[1];
        var rows = groups.Select(_ => new Tensor[k]).ToArray();
        for (int c = 0; c < k; c++)
        {
            var g = torch.autograd.grad(new[] { f[0, c] }, parameters, retain_graph: c + 1 < k, allow_unused: true);
            for (int l = 0; l < groups.Count; l++)
                rows[l][c] = torch.cat(groups[l].Indices.Select(i => g[i] is null || g[i].IsInvalid
                    ? torch.zeros(parameters[i].numel(), dtype: parameters[i].dtype, device: parameters[i].device)
                    : g[i].reshape(-1)).ToArray());
        }
        return rows.Select(r => torch.stack(r)).ToArray();
    }

    private static double MeanRatio(double[] difference, double[] reference)
    {
        double sum = 0;
        for (int i = 0; i < difference.Length; i++) sum += Math.Sqrt(difference[i] / reference[i]);
        return sum / difference.Length;
    }

    private static double[] Row(double[,] m, int i) => Enumerable.Range(0, m.GetLength(1)).Select(d => m[i, d]).ToArray();

    /// <summary>sqrt(mean N / mean R) and its delta-method standard error over the directions.</summary>
    internal static (double Ratio, double StandardError) RatioWithError(double[] num, double[] den)
    {
        int d = num.Length;
        double mn = num.Average(), md = den.Average();
        double vn = num.Sum(v => (v - mn) * (v - mn)) / (d - 1) / d;
        double vd = den.Sum(v => (v - md) * (v - md)) / (d - 1) / d;
        double cov = Enumerable.Range(0, d).Sum(j => (num[j] - mn) * (den[j] - md)) / (d - 1) / d;
        double ratio = Math.Sqrt(mn / md);
        // r = sqrt(N/R): var r ≈ r²/4 · (var N/N² + var R/R² − 2 cov/(N R)).
        double relVar = vn / (mn * mn) + vd / (md * md) - 2 * cov / (mn * md);
        return (ratio, ratio / 2 * Math.Sqrt(Math.Max(relVar, 0)));
    }

    private static void CheckSameShapes(IReadOnlyList<Tensor> a, IReadOnlyList<Tensor> b)
    {
        if (a.Count != b.Count || a.Zip(b).Any(p => !p.First.shape.SequenceEqual(p.Second.shape)))
            throw new ArgumentException("The two modules must have the same architecture (trainable tensors of the same shapes, in the same order).");
    }
}
