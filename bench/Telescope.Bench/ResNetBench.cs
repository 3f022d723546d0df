using Telescope.Autodiff;
using Telescope.Connectivity;
using Telescope.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Telescope.Bench;

/// <summary>
/// The lmc recipe's two costs: one ResNet-20 (w = 16, BatchNorm, float32) training step at batch 128 including the
/// crop + flip augmentation and the SGD update (what every parent and child step costs), and the exact gradient
/// change by layer group between two networks over a probe set (per spawn step; exact, and Hutchinson with 8 directions
/// per group for the cost comparison). Inputs are random tensors of
/// CIFAR's shape: the costs do not depend on pixel values.
/// </summary>
public static class ResNetBench
{
    /// <summary>Milliseconds per ResNet-20 (w = 16) training step: median of 3 repetitions of <paramref name="steps"/> steps after 1 warm-up.</summary>
    public static double StepMs(int steps, int seed)
    {
        using var scope = torch.NewDisposeScope();
        using var g = new Generator((ulong)seed, device: torch.CPU);
        var net = new ResNet(new ResNetOptions { Width = 16 }, seed);
        using var data = new ImageClassifierData(torch.randn([1280, 3, 32, 32], generator: g), torch.randint(0, 10, [1280], generator: g));
        using var run = ClassifierRun.Start(net, data, new ClassifierTrainingOptions { Steps = 1_000_000, BatchSize = 128 }, new SpawnSeeds(1, 2));
        return Measurement.Time("resnet20_step", () => { for (int t = 0; t < steps; t++) run.TrainStep(); }, warmup: 1, repetitions: 3).MedianMs / steps;
    }

    public static Dictionary<string, object> Run(int steps, int probes, int seed, Action<string> log)
    {
        using var scope = torch.NewDisposeScope();
        using var g = new Generator((ulong)seed, device: torch.CPU);
        var options = new ResNetOptions { Width = 16 };
        var net = new ResNet(options, seed);
        using var data = new ImageClassifierData(torch.randn([1280, 3, 32, 32], generator: g), torch.randint(0, 10, [1280], generator: g));
        var training = new ClassifierTrainingOptions { Steps = 1_000_000, BatchSize = 128 };
        using var run = ClassifierRun.Start(net, data, training, new SpawnSeeds(1, 2));
        log($"ResNet-20 (w = 16): {steps} training steps at batch 128 with augmentation, per repetition");
        var step = Measurement.Time("resnet20_step", () => { for (int t = 0; t < steps; t++) run.TrainStep(); }, warmup: 1, repetitions: 3);

        var other = new ResNet(options, seed + 1);
        var probeInputs = torch.randn([probes, 3, 32, 32], generator: g);
        var groups = ParameterGroup.FromModules(new TrainableParameters(net), net.LayerGroups);
        log($"gradient change (exact, 11 layer groups) over {probes} probe inputs");
        var change = Measurement.Time("resnet20_gradient_change", () => GradientChange.Measure(net, other, probeInputs, groups, GradientChangeMethod.Exact),
            warmup: 1, repetitions: 3);
        log($"gradient change (Hutchinson, 8 directions per group, 11 layer groups) over {probes} probe inputs");
        var hutchinson = Measurement.Time("resnet20_gradient_change_hutchinson",
            () => GradientChange.Measure(net, other, probeInputs, groups, GradientChangeMethod.Hutchinson, directions: 8, seed: 1), warmup: 1, repetitions: 3);
        double stepMs = step.MedianMs / steps;
        return new Dictionary<string, object>
        {
            ["resnet20_how"] = $"median of 3 repetitions (after 1 warm-up) of {steps} consecutive steps of ClassifierRun.TrainStep: index batch, crop+flip, forward, cross-entropy, backward, exact SGD (momentum 0.9, wd 1e-4); " +
                $"gradient change: median of 3 (after 1 warm-up) GradientChange.Measure(Exact) calls over {probes} probes, both networks' per-example Jacobians, and the same for Measure(Hutchinson, 8 directions per group)",
            ["resnet20_step_ms"] = Math.Round(stepMs, 2),
            ["resnet20_gradient_change_probes"] = probes,
            ["resnet20_gradient_change_ms"] = Math.Round(change.MedianMs, 1),
            ["resnet20_gradient_change_ms_per_probe"] = Math.Round(change.MedianMs / probes, 2),
            ["resnet20_gradient_change_hutchinson_d8_ms"] = Math.Round(hutchinson.MedianMs, 1),
            ["ratio_hutchinson_d8_to_exact_gradient_change"] = Math.Round(hutchinson.MedianMs / change.MedianMs, 3),
            ["resnet20_spread_ms"] = new[] { step, change, hutchinson }.ToDictionary(m => m.Name, m => new { median = Math.Round(m.MedianMs, 1), min = Math.Round(m.MinMs, 1), max = Math.Round(m.MaxMs, 1) }),
        };
    }
}
