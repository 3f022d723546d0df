namespace Telescope.Experiments.TabularGbt;

/// <summary>Everything measured on one data set: both arms, the per-repetition and the averaged π curves.</summary>
internal sealed record DatasetOutcome(
    string Name,
    TabularGbtData Data,
    NeuralResult Nn,
    GbtResult Gbt,
    IReadOnlyList<PiRepetition> Repetitions,
    IReadOnlyList<PiPoint> Points,
    bool DeltaZeroIsTiny)
{
    public PiPoint First => Points[0];
    public PiPoint Last => Points[^1];
}
