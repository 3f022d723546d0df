using TorchSharp;

namespace Telescope.Runs;

/// <summary>
/// The compute settings a recipe declares with <see cref="SettingsSchema{T}.Compute"/>: floating-point type, torch
/// device and intra-op threads (the runner applies <see cref="Threads"/>; <see cref="RunContext.Device"/> checks that a
/// CUDA device exists).
/// </summary>
public sealed record ComputeSettings
{
    /// <summary>"float32" or "float64".</summary>
    public required string DTypeName { get; init; }

    /// <summary>"cpu", "cuda", "cuda:1", …</summary>
    public required string DeviceName { get; init; }

    /// <summary>TorchSharp intra-op threads (0 = library default).</summary>
    public required int Threads { get; init; }

    /// <summary>The torch scalar type of <see cref="DTypeName"/>.</summary>
    public torch.ScalarType DType => DTypeName == "float64" ? torch.ScalarType.Float64 : torch.ScalarType.Float32;

    internal static ComputeSettings Read(RecipeSettings s) => new()
    {
        DTypeName = s.GetString(RecipeSettings.DTypeKey),
        DeviceName = s.GetString(RecipeSettings.DeviceKey),
        Threads = s.GetInt(RecipeSettings.ThreadsKey),
    };
}
