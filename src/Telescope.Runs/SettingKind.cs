namespace Telescope.Runs;

/// <summary>The value type of a <see cref="Setting"/>. Lists are written comma-separated on the command line.</summary>
public enum SettingKind
{
    /// <summary>32-bit integer.</summary>
    Int,
    /// <summary>64-bit integer.</summary>
    Long,
    /// <summary>Double-precision number.</summary>
    Double,
    /// <summary>true/false (also accepts yes/no, on/off, 1/0).</summary>
    Bool,
    /// <summary>Free text, or one of a fixed set of choices.</summary>
    String,
    /// <summary>Comma-separated 32-bit integers.</summary>
    IntList,
    /// <summary>Comma-separated doubles.</summary>
    DoubleList,
    /// <summary>Comma-separated strings.</summary>
    StringList,
}
