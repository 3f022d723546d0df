using static TorchSharp.torch;

namespace Telescope.Smoothing;

/// <summary>
/// A smoother (docs/method.md §4): for every tracked input x it knows, exactly or as an unbiased estimate, how much
/// each training label moved the surrogate prediction at x, S_T(x) ∈ R^{k × nk}. Both
/// <see cref="KernelSmoother"/> (§2a) and <see cref="LabelTangentSmoother"/> (§2b) implement it, so
/// <see cref="EffectiveParameters"/> (§3) works with either.
/// </summary>
public interface ISmoother
{
    /// <summary>n, the number of training labels (rows of Y).</summary>
    int TrainingCount { get; }

    /// <summary>k, the number of outputs per label.</summary>
    int OutputCount { get; }

    /// <summary>Steps propagated so far (T).</summary>
    int StepCount { get; }

    /// <summary>Names of the tracked input sets; <see cref="SmootherSets.Training"/> is always one of them.</summary>
    IReadOnlyList<string> TrackedSets { get; }

    /// <summary>Number of inputs in a tracked set.</summary>
    int TrackedCount(string set);

    /// <summary>
    /// Samples of ||S_T(x)||²_F for every input of <paramref name="set"/>: [D, N]. An exact smoother returns one
    /// row (D = 1, <see cref="IsExact"/> true); a Hutchinson estimator returns one row per random direction,
    /// each an unbiased sample, so means and standard errors over rows are the estimate and its uncertainty.
    /// </summary>
    Tensor SquaredNormSamples(string set);

    /// <summary>True when <see cref="SquaredNormSamples"/> holds exact values rather than random samples.</summary>
    bool IsExact { get; }
}

/// <summary>Names shared by the smoothers.</summary>
public static class SmootherSets
{
    /// <summary>The training inputs; every smoother tracks them (the recursion needs S at the batch points).</summary>
    public const string Training = "train";
}
