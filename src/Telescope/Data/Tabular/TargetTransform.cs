namespace Telescope.Data.Tabular;

/// <summary>How a benchmark's target is transformed before use.</summary>
public enum TargetTransform
{
    None,
    /// <summary>Natural log; every target must be positive.</summary>
    Log,
    /// <summary>log(1 + y), for targets that contain zeros (our choice for house_16H, whose prices include 52 zeros).</summary>
    Log1p,
}
