namespace Telescope.Runs;

/// <summary>
/// One named, typed setting of a recipe: its default, an optional quick-mode default, a one-line
/// description and its current (resolved) value. Created through the <c>Add…</c> methods of
/// <see cref="RecipeSettings"/>; values are boxed <c>int</c>, <c>long</c>, <c>double</c>, <c>bool</c>,
/// <c>string</c>, or arrays <c>int[]</c>, <c>double[]</c>, <c>string[]</c> for the list kinds.
/// </summary>
public sealed class Setting
{
    private readonly Func<object, string?> _validate;

    internal Setting(string name, SettingKind kind, string description, object defaultValue, object? quickValue,
        string constraint, Func<object, string?> validate, IReadOnlyList<string>? choices)
    {
        Name = name;
        Kind = kind;
        Description = description;
        Constraint = constraint;
        Choices = choices;
        _validate = validate;
        DefaultValue = CheckDefinition(defaultValue, "default");
        QuickValue = quickValue is null ? null : CheckDefinition(quickValue, "quick value");
        Value = DefaultValue;
    }

    /// <summary>Key used in <c>--set key=value</c> and in config.json.</summary>
    public string Name { get; }

    public SettingKind Kind { get; }

    /// <summary>One-line description shown by <c>telescope describe</c>.</summary>
    public string Description { get; }

    /// <summary>Value used in full runs.</summary>
    public object DefaultValue { get; }

    /// <summary>Value used with <c>--quick</c>; null when quick mode uses <see cref="DefaultValue"/>.</summary>
    public object? QuickValue { get; }

    /// <summary>The resolved value (default, quick default, config file or <c>--set</c>).</summary>
    public object Value { get; private set; }

    /// <summary>Allowed values of a string (list) setting, or null when any text is accepted.</summary>
    public IReadOnlyList<string>? Choices { get; }

    /// <summary>Where the default comes from (e.g. "paper §4.1", "Nanda et al. 2023"), or null when it is the project's own choice.</summary>
    public string? Source { get; internal set; }

    /// <summary>Human-readable constraint such as "≥ 1" or "finite"; empty when there is none.</summary>
    public string Constraint { get; }

    /// <summary>Type as shown to users, e.g. "double" or "list of int (comma-separated)".</summary>
    public string TypeName => Kind.ToString().ToLowerInvariant() is var name && name.EndsWith("list", StringComparison.Ordinal)
        ? $"list of {name[..^4]} (comma-separated)"   // IntList → "list of int (comma-separated)"
        : name;

    /// <summary>The resolved value written as on the command line (culture-invariant, round-trip).</summary>
    public string FormattedValue => Format(Value);

    /// <summary>Writes <paramref name="value"/> as it would be typed after <c>--set name=</c>.</summary>
    public static string Format(object value) => value switch
    {
        double d => FormatDouble(d),
        bool b => b ? "true" : "false",
        int[] a => string.Join(",", a.Select(x => x.ToString(CultureInfo.InvariantCulture))),
        double[] a => string.Join(",", a.Select(FormatDouble)),
        string[] a => string.Join(",", a),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string FormatDouble(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses <paramref name="text"/> with this setting's type and makes it the value; a choice typed in any case
    /// becomes its declared spelling.
    /// </summary>
    /// <exception cref="TelescopeException">The text does not parse or violates the constraint.</exception>
    public void SetFromText(string text)
    {
        if (Choices is not null)
            text = Kind == SettingKind.StringList ? string.Join(",", text.Split(',').Select(Canonical)) : Canonical(text);
        Value = Validate(SettingParser.Parse(this, text), text);
    }

    private string Canonical(string choice) =>
        Choices!.FirstOrDefault(c => string.Equals(c, choice.Trim(), StringComparison.OrdinalIgnoreCase)) ?? choice.Trim();

    /// <summary>Sets the value from an already typed object (e.g. read from config.json).</summary>
    /// <exception cref="TelescopeException">The value violates the constraint.</exception>
    internal void SetValue(object value, string shownAs) => Value = Validate(value, shownAs);

    private object Validate(object value, string shownAs) => _validate(value) is not { } problem ? value
        : throw new TelescopeException($"Setting '{Name}' got '{shownAs}', but {problem}. Expected {TypeName}{ConstraintSuffix}.")
        { Hint = $"Example: --set {Name}={Format(DefaultValue)}" };

    private object CheckDefinition(object value, string what) => _validate(value) is not { } problem ? value
        : throw new ArgumentException($"The {what} of setting '{Name}' is invalid: {problem}.");

    internal string ConstraintSuffix => Constraint.Length == 0 ? "" : $" ({Constraint})";
}
