using Telescope.Connectivity;

namespace Telescope.Recipes.Lmc;

/// <summary>The settings of an lmc run with what they resolve to (the rest is read from <see cref="Settings"/> as given).</summary>
/// <param name="SpawnSteps">t′, distinct and increasing.</param>
internal sealed record LmcSetup(
    LmcSettings Settings,
    ResNetOptions Model,
    ClassifierTrainingOptions Training,
    ClassifierTrainingOptions Pretraining,
    IReadOnlyList<int> SpawnSteps,
    BatchNormMode BatchNorm,
    GradientChangeMethod GradientMethod)
{
    /// <summary>The repetitions of the whole protocol (issue 13): each seed draws its own initialization, data orders,
    /// augmentation and Hutchinson directions; the data subsets, probes and BatchNorm batches stay drawn from 'seed'.</summary>
    public IReadOnlyList<long> Seeds => Settings.Seeds;

    /// <summary>Whether the run repeats the protocol over several seeds (run names and summary entries then carry them).</summary>
    public bool Seeded => Seeds.Count > 1;

    /// <summary>The initialization seed of the networks of repetition <paramref name="seed"/>.</summary>
    public static int ModelSeed(long seed) => (int)(seed & int.MaxValue);

    /// <summary>The suffix of run names: "" with one seed, "_seed=S" with several.</summary>
    public string SeedSuffix(long seed) => Seeded ? $"_seed={seed}" : "";

    /// <summary>
    /// The sub-runs of the sweep in index order: arms as given × seeds × spawn steps increasing. One (arm, seed) is a
    /// group sharing one parent; a sub-run is one spawn point of it (two children and their measurements).
    /// </summary>
    public IReadOnlyList<LmcSubRun> Plan() =>
        Settings.Arms.SelectMany(arm => Seeds.SelectMany(seed => SpawnSteps.Select(t => (arm, seed, t))))
            .Select((p, i) => new LmcSubRun(i, p.arm, p.seed, p.t)).ToList();
}

/// <summary>One spawn point of one (arm, seed): the unit of checkpointing and sharding.</summary>
internal sealed record LmcSubRun(int Index, string Arm, long Seed, int SpawnStep);
