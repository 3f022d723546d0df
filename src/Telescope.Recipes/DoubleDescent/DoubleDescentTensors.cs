namespace Telescope.Recipes.DoubleDescent;

/// <summary>Tensors shared by every network of the sweep (built once, on the run's device and dtype).</summary>
internal sealed record DoubleDescentTensors(Tensor TrainInputs, Tensor TestInputs, Tensor TestTargets, Tensor TestProbes);
