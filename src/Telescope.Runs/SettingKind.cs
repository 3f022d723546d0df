namespace Telescope.Runs;

/// <summary>The value type of a <see cref="Setting"/>. Lists are written comma-separated on the command line.</summary>
public enum SettingKind
{
    Int,
    Long,
    Double,
    /// <summary>true/false (also accepts yes/no, on/off, 1/0).</summary>
    Bool,
    /// <summary>Free text, or one of a fixed set of choices.</summary>
    String,
    IntList,
    DoubleList,
    StringList,
}
