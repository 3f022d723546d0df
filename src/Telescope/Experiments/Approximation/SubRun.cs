using System.Globalization;

namespace Telescope.Experiments.Approximation;

/// <summary>One optimizer at one learning rate, and what it measured.</summary>
internal sealed record SubRun(string Optimizer, double LearningRate, bool IsDefault)
{
    public string Label => string.Create(CultureInfo.InvariantCulture, $"{Optimizer}_lr={LearningRate:G6}");
    public List<ApproximationPoint> Points { get; } = [];
    public TimeSpan WallTime { get; set; }
    /// <summary>The step at which the loss became non-finite, when divergence is recorded rather than fatal.</summary>
    public int? Diverged { get; set; }
    public ApproximationPoint Final => Points[^1];
}
