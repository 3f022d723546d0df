namespace Telescope.Telescoping;

/// <summary>
/// How well the telescoping model f̃_t and the linearized model f_lin,t match the network f_θt on one tracked
/// set (docs/method.md §2). Errors are means over inputs and outputs; relative errors divide by mean |f_θt − f_θ0|.
/// Accuracies are null where the set has no labels; linear values are null when f_lin is not tracked.
/// </summary>
public sealed record ApproximationMetrics(
    string Set,
    int Step,
    double ErrAbsTelescoping,
    double ErrRelTelescoping,
    double? ErrAbsLinear,
    double? ErrRelLinear,
    double MeanFunctionChange,
    double? AccNetwork,
    double? AccTelescoping,
    double? AccLinear,
    double? ArgmaxAgreement);
