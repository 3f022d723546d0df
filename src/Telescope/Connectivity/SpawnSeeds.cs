namespace Telescope.Connectivity;

/// <summary>The two random streams of a spawned child: its data order and its augmentation (independent seeds).</summary>
public readonly record struct SpawnSeeds(ulong DataOrder, ulong Augmentation);
