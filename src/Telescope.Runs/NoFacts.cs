namespace Telescope.Runs;

/// <summary>The sweep-wide facts of a sweep that needs none (every result carries what the outputs need; the settings say the rest).</summary>
public sealed record NoFacts;
