using System.Globalization;

namespace Telescope;

/// <summary>
/// Training produced a non-finite loss, or a finite loss whose gradient is not finite. Names the sub-run and step so
/// the user can find it in the metrics, and says what the evidence points to: an update that blew up (usually a
/// learning rate too large) only when the loss had been finite before; a data or numeric problem when the very
/// first loss or a gradient of a finite loss is non-finite (docs/numerics.md).
/// </summary>
public sealed class DivergenceException : TelescopeException
{
    /// <summary>Creates the exception for a non-finite loss in sub-run <paramref name="subRun"/> at <paramref name="step"/> (1-based).</summary>
    public DivergenceException(string subRun, long step, double loss)
        : base(string.Create(CultureInfo.InvariantCulture, $"Training diverged in sub-run '{subRun}' at step {step}: the loss is {loss}. ") +
            (step <= 1
                ? "This is the initial network's loss, before any update, so the learning rate is not the cause: look for NaN/∞ in the inputs or labels."
                : "The updates before it made the loss non-finite, most often because the learning rate is too large for this network: lower it (e.g. --set lr=...), then run again."))
    {
        SubRun = subRun;
        Step = step;
        Loss = loss;
    }

    private DivergenceException(string subRun, double loss, Optim.NonFiniteGradientException cause)
        : base(string.Create(CultureInfo.InvariantCulture,
            $"Training stopped in sub-run '{subRun}' at step {cause.Step}: the loss is finite ({loss:G6}) but its gradient is not. {cause.Message}"), cause)
    {
        SubRun = subRun;
        Step = cause.Step;
        Loss = loss;
        Hint = cause.Hint;
    }

    /// <summary>A finite loss <paramref name="loss"/> whose gradient <paramref name="cause"/> found non-finite.</summary>
    public static DivergenceException FromGradient(string subRun, double loss, Optim.NonFiniteGradientException cause) =>
        new(subRun, loss, cause);

    /// <summary>The sub-run (the <c>run</c> column of the metrics) that diverged.</summary>
    public string SubRun { get; }

    /// <summary>The step at which the loss first became non-finite.</summary>
    public long Step { get; }

    /// <summary>The loss at that step: NaN or ±∞, or the finite loss whose gradient was not finite.</summary>
    public double Loss { get; }

    /// <summary>Throws a <see cref="DivergenceException"/> when <paramref name="loss"/> is NaN or infinite.</summary>
    public static void ThrowIfNotFinite(double loss, string subRun, long step)
    {
        if (!double.IsFinite(loss)) throw new DivergenceException(subRun, step, loss);
    }
}
