using System.Globalization;
using Telescope.Smoothing;

namespace Telescope.Experiments.DoubleDescent;

/// <summary>One logged step of one width: errors of the network and effective parameters of its smoother.</summary>
/// <param name="Step">Training step (0 = initialization).</param>
/// <param name="TrainMse">mean (f(x_i) − y_i)² over the training set, against the (possibly noisy) training targets.</param>
/// <param name="TestMse">mean (f(x) − y)² over the test set, against clean targets.</param>
/// <param name="TestError">Fraction of test examples with sign f(x) ≠ y.</param>
/// <param name="PTrain">p_train with its standard error (0 when exact).</param>
/// <param name="PTest">p_test on the test probes with its standard error.</param>
internal sealed record DoubleDescentPoint(int Step, double TrainMse, double TestMse, double TestError,
    EffectiveParameterEstimate PTrain, EffectiveParameterEstimate PTest);

/// <summary>One network of the sweep (one label-noise level, one width) and what it measured.</summary>
internal sealed record WidthRun(double LabelNoise, int Width, long Parameters)
{
    public string Label => string.Create(CultureInfo.InvariantCulture, $"noise={LabelNoise:G4}_width={Width}");
    public List<DoubleDescentPoint> Points { get; } = [];
    public DoubleDescentPoint Final => Points[^1];
    /// <summary>Fidelity gaps (SPEC §2) at the end of training on the training set.</summary>
    public SmootherFidelity? TrainFidelity { get; set; }
    /// <summary>Fidelity gaps (SPEC §2) at the end of training on the test probes.</summary>
    public SmootherFidelity? TestFidelity { get; set; }
    /// <summary>Relative change of the training MSE over the last logging interval (a convergence indicator).</summary>
    public double? LastTrainMseChange { get; set; }
    public TimeSpan WallTime { get; set; }
    /// <summary>CPU time of the process while this network trained (robust to other load on a shared machine).</summary>
    public TimeSpan CpuTime { get; set; }
    /// <summary>Wall time of the retraining members (steps and evaluations), SPEC §3b.</summary>
    public TimeSpan RetrainingTime { get; set; }
    /// <summary>Wall time of the power iterations for λ_t, SPEC §3c.</summary>
    public TimeSpan StabilityTime { get; set; }
    /// <summary>Number of retraining members.</summary>
    public int Members { get; set; }
    /// <summary>p_net, its paired comparison with p and λ_t at every logged step (aligned with <see cref="Points"/>).</summary>
    public List<Sensitivity.SensitivityPoint> Sensitivity { get; } = [];
}
