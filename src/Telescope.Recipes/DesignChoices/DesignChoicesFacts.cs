namespace Telescope.Recipes.DesignChoices;

/// <summary>
/// What every sub-run of one design-choices sweep shares and the outputs need (recorded by shards for the merge):
/// the data, the main network's shape, the probes' labels and the tabular part's sizes.
/// </summary>
internal sealed record DesignChoicesFacts(string DataDescription, bool IsSynthetic, string Layers, string Activation, string DType,
    int Outputs, long[] TrainProbeLabels, long[] TestProbeLabels, TabularFacts? Tabular);

/// <summary>The tabular kernel part's data set and sizes.</summary>
internal sealed record TabularFacts(string Name, int TrainRows, int Features, int TrackedRows, int IrregularTrackedRows)
{
    public static TabularFacts Of(string name, TabularGbt.TabularGbtData data) =>
        new(name, data.Train.Rows, data.Train.Columns, data.Tracked.Rows, data.TrackedIsIrregular.Count(b => b));
}

/// <summary>One sub-run's result: an MNIST network or a tabular network (JSON-serializable for checkpoints and shards).</summary>
internal sealed record DesignChoicesSubRun(DecompositionRun? Mnist, TabularKernelRun? Tabular);
