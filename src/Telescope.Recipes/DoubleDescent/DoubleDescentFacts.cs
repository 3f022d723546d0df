namespace Telescope.Recipes.DoubleDescent;

/// <summary>How many training targets one (noise level, seed) flip set flipped.</summary>
internal sealed record FlipCount(double LabelNoise, long Seed, int Flipped);

/// <summary>
/// The sweep-wide facts the outputs need besides the sub-runs' results (what shards record for the merge): the data
/// description, n, d, the test-set size and the label-noise flip sets.
/// </summary>
internal sealed record DoubleDescentFacts(string Description, bool IsSynthetic, int TrainCount, int FeatureCount, int TestCount,
    List<FlipCount> Flips);
