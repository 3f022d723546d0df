namespace Telescope.Data;

/// <summary>Which part of a data set to load.</summary>
public enum DataSplit
{
    /// <summary>The training split.</summary>
    Train,
    /// <summary>The held-out test split.</summary>
    Test,
}
