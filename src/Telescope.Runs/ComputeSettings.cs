namespace Telescope.Runs;

/// <summary>
/// The compute settings a recipe declares with <see cref="SettingsSchema{T}.Compute"/>: floating-point type, torch
/// device and intra-op threads (the runner applies <see cref="Threads"/>; <see cref="RunContext.Device"/> checks that a
/// CUDA device exists).
/// </summary>
public sealed record ComputeSettings(string DTypeName, string DeviceName, int Threads)
{
    /// <summary>The torch scalar type of <see cref="DTypeName"/>.</summary>
    public torch.ScalarType DType => DTypeName == "float64" ? torch.ScalarType.Float64 : torch.ScalarType.Float32;

    internal static ComputeSettings Read(RecipeSettings s) =>
        new(s.GetString(RecipeSettings.DTypeKey), s.GetString(RecipeSettings.DeviceKey), s.GetInt(RecipeSettings.ThreadsKey));
}
