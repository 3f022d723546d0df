namespace Telescope.Runs;

public sealed partial class RecipeSettings
{
    /// <summary>Name of the seed-repetition setting declared by <see cref="AddSeeds"/>.</summary>
    public const string SeedsKey = "seeds";

    /// <summary>
    /// Declares <c>seeds</c>: the seed repetitions of every grid point (issue 13). Each repetition derives its
    /// initialization, data order, label noise and augmentation from its own seed; what the repetitions must share
    /// (the training subset, the tracked probe inputs) stays drawn from <c>seed</c>. An empty list (the default
    /// unless <paramref name="full"/> says otherwise) means one repetition with <c>seed</c>, exactly the run the
    /// recipe made before seeds existed. Read the repetitions back with <see cref="GetSeeds"/>.
    /// </summary>
    /// <param name="full">Default repetitions of the full mode (e.g. [0, 1, 2]); null or empty = [seed].</param>
    /// <param name="quick">Default repetitions of the quick mode; null = the full default.</param>
    public RecipeSettings AddSeeds(IReadOnlyList<int>? full = null, IReadOnlyList<int>? quick = null) =>
        Add(SeedsKey, SettingKind.IntList,
            "Seed repetitions of every grid point (initialization, data order, label noise and augmentation each derived " +
            "from the repetition's seed; data subsets and probe inputs stay drawn from 'seed'); empty = one repetition with 'seed'",
            (full ?? []).ToArray(), quick?.ToArray(), "≥ 0, distinct",
            v => SeedsProblem((int[])v), choices: null);

    /// <summary>
    /// The seed repetitions: the <c>seeds</c> list when it is declared and not empty, else <c>[seed]</c>.
    /// Recipes that loop over these get one sub-run per (grid point, seed), which shards like any other sub-run.
    /// </summary>
    public IReadOnlyList<long> GetSeeds() =>
        Contains(SeedsKey) && GetIntList(SeedsKey) is { Count: > 0 } list ? list.Select(s => (long)s).ToArray() : [Seed];

    private static string? SeedsProblem(int[] seeds)
    {
        foreach (int s in seeds)
            if (s < 0) return $"seed {s} is negative (give seeds ≥ 0)";
        var repeated = seeds.GroupBy(s => s).FirstOrDefault(g => g.Count() > 1);
        return repeated is null ? null : $"seed {repeated.Key} is listed {repeated.Count()} times (each repetition needs its own seed)";
    }
}
