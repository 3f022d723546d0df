using Telescope.Smoothing;

namespace Telescope.Experiments.Grokking;

/// <summary>One configuration of a grokking sweep (one ε, or one α and activation) and what it measured.</summary>
internal class GrokkingRun(string label)
{
    /// <summary>The <c>run</c> column of metrics.csv.</summary>
    public string Label { get; } = label;
    public List<GrokkingPoint> Points { get; } = [];
    public TimeSpan WallTime { get; set; }
    /// <summary>Fidelity of the smoother's surrogate f̂_T against f̃_T and f_θT on the training inputs.</summary>
    public SmootherFidelity? TrainFidelity { get; set; }
    /// <summary>The same on the tracked test inputs.</summary>
    public SmootherFidelity? TestFidelity { get; set; }
    public GrokkingPoint Final => Points[^1];

    /// <summary>First logged step at which the train metric is within 10% of its initial-to-final drop of its final value.</summary>
    public int TrainPlateau => Plateau.FirstStepNearFinal(Points.Select(p => ((double)p.Step, p.Train)).ToList());
    /// <summary>The same for the test metric.</summary>
    public int TestPlateau => Plateau.FirstStepNearFinal(Points.Select(p => ((double)p.Step, p.Test)).ToList());
}
