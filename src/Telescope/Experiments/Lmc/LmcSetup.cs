using Telescope.Connectivity;
using Telescope.Models;

namespace Telescope.Experiments.Lmc;

/// <summary>The resolved settings of an lmc run.</summary>
internal sealed record LmcSetup(
    ResNetOptions Model,
    ClassifierTrainingOptions Training,
    ClassifierTrainingOptions Pretraining,
    IReadOnlyList<int> SpawnSteps,
    IReadOnlyList<string> Arms,
    IReadOnlyList<double> Alphas,
    BatchNormMode BatchNorm,
    int BatchNormBatches,
    GradientChangeMethod GradientMethod,
    int Directions,
    int LogEvery,
    int ModelSeed);
