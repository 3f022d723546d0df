namespace Telescope.Connectivity;

/// <summary>Test accuracy and mean cross-entropy of θ(α) = α θ¹ + (1−α) θ².</summary>
public sealed record InterpolationPoint(double Alpha, double Accuracy, double Loss);
