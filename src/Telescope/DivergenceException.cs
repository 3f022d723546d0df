using System.Globalization;

namespace Telescope;

/// <summary>
/// Training produced a non-finite loss. Names the sub-run and step so the user can find it in the
/// metrics, and suggests the usual remedy (a lower learning rate).
/// </summary>
public sealed class DivergenceException : TelescopeException
{
    /// <summary>Creates the exception for sub-run <paramref name="subRun"/> at <paramref name="step"/>.</summary>
    public DivergenceException(string subRun, long step, double loss)
        : base(string.Create(CultureInfo.InvariantCulture,
            $"Training diverged in sub-run '{subRun}' at step {step}: the loss is {loss}. Lower the learning rate (e.g. --set lr=...), then run again."))
    {
        SubRun = subRun;
        Step = step;
        Loss = loss;
    }

    /// <summary>The sub-run (the <c>run</c> column of the metrics) that diverged.</summary>
    public string SubRun { get; }

    /// <summary>The step at which the loss first became non-finite.</summary>
    public long Step { get; }

    /// <summary>The offending loss value (NaN or ±∞).</summary>
    public double Loss { get; }

    /// <summary>Throws a <see cref="DivergenceException"/> when <paramref name="loss"/> is NaN or infinite.</summary>
    public static void ThrowIfNotFinite(double loss, string subRun, long step)
    {
        if (!double.IsFinite(loss)) throw new DivergenceException(subRun, step, loss);
    }
}
