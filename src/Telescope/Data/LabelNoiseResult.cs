namespace Telescope.Data;

/// <summary>Labels after seeded label noise, and which examples were changed.</summary>
/// <param name="Labels">The labels, with exactly <c>FlippedIndices.Length</c> of them changed.</param>
/// <param name="FlippedIndices">Indices of the changed examples, increasing.</param>
public sealed record LabelNoiseResult<T>(T[] Labels, int[] FlippedIndices);
