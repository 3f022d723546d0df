using System.Collections;
using System.Text.RegularExpressions;

namespace Telescope.Runs;

/// <summary>
/// The ordered, typed settings of one recipe run. A recipe declares them in
/// <see cref="IRecipe.CreateSettings"/> with the <c>Add…</c> methods (each with a default, a one-line
/// description and an optional quick-mode value) and reads them in <see cref="IRecipe.Run"/> with the
/// <c>Get…</c> methods. A <c>seed</c> setting always exists, and the runner appends <c>checkpoint_minutes</c>
/// (<see cref="AddRunSettings"/>) to every recipe's settings.
/// </summary>
/// <example>
/// <code>
/// var s = new RecipeSettings(quick)
///     .AddInt("width", 512, "Hidden-layer width", quick: 64, min: 1)
///     .AddDoubleList("lrs", [0.01, 0.1], "Learning rates to sweep", min: 0)
///     .AddString("optimizer", "sgd", "Optimizer", choices: ["sgd", "adam"]);
/// int width = s.GetInt("width");
/// </code>
/// </example>
public sealed partial class RecipeSettings : IReadOnlyList<Setting>
{
    /// <summary>Name of the setting that always exists and seeds every random choice of a run.</summary>
    public const string SeedKey = "seed";

    private readonly List<Setting> _settings = [];
    private readonly Dictionary<string, Setting> _byName = new(StringComparer.Ordinal);

    /// <summary>Creates the settings with only <c>seed</c>; <paramref name="quick"/> picks quick-mode defaults.</summary>
    public RecipeSettings(bool quick, long defaultSeed = 0)
    {
        Quick = quick;
        AddLong(SeedKey, defaultSeed, "Seed of every random choice (initialization, data order, sampling)");
    }

    /// <summary>
    /// Appends the settings every recipe has that concern the run rather than the experiment: today
    /// <c>checkpoint_minutes</c> and <c>tensorboard</c>. The runner and <c>telescope describe</c> call it (through
    /// <see cref="RecipeRunner.CreateSettings"/>) after the recipe's own declarations, so every recipe, present
    /// and future, gets them. Idempotent.
    /// </summary>
    public RecipeSettings AddRunSettings()
    {
        if (!Contains(CheckpointMinutesKey))
            AddDouble(CheckpointMinutesKey, 10, "Write a resumable checkpoint into the partial run folder every this many minutes " +
                "(fractions allowed; 0 = only on Ctrl+C/SIGTERM); used by recipes that support 'telescope resume'", min: 0);
        if (!Contains(TensorBoardKey))
            AddBool(TensorBoardKey, true, "Write TensorBoard event files into tensorboard/ in the run folder as the run goes " +
                "(every metrics.csv column per sub-run, the figures, the settings); false = none (docs/tensorboard.md)");
        return this;
    }

    /// <summary>Name of the checkpoint-interval setting every recipe has.</summary>
    public const string CheckpointMinutesKey = "checkpoint_minutes";

    /// <summary>Name of the setting that turns the TensorBoard event files on or off (every recipe has it).</summary>
    public const string TensorBoardKey = "tensorboard";

    /// <summary>Settings that do not change a run's numbers, so runs that differ only in them are interchangeable (resume, merge).</summary>
    public static IReadOnlySet<string> ResultNeutralKeys { get; } = new HashSet<string>(StringComparer.Ordinal) { CheckpointMinutesKey, TensorBoardKey };

    /// <summary>
    /// SHA-256 (hex) of every setting's name and value except <see cref="ResultNeutralKeys"/>: equal fingerprints
    /// mean the same configuration and seed, so checkpoints and shards of one run can be recognized.
    /// </summary>
    public string Fingerprint() => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(
        string.Concat(_settings.Where(s => !ResultNeutralKeys.Contains(s.Name)).Select(s => $"{s.Name}={Setting.Format(s.Value)}\n")))));

    public bool Quick { get; }
    public long Seed => GetLong(SeedKey);

    public int Count => _settings.Count;
    public Setting this[int index] => _settings[index];

    /// <exception cref="TelescopeException">No such setting; the message lists the valid keys.</exception>
    public Setting this[string name] => _byName.TryGetValue(name, out var s) ? s : throw UnknownKey(name);

    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Adds an int setting, optionally bounded by <paramref name="min"/>/<paramref name="max"/> (inclusive).</summary>
    public RecipeSettings AddInt(string name, int defaultValue, string description, int? quick = null,
        int? min = null, int? max = null) =>
        Add(name, SettingKind.Int, description, defaultValue, quick, RangeText(min, max),
            v => RangeProblem((int)v, min, max));

    /// <summary>Adds a long setting, optionally bounded (inclusive).</summary>
    public RecipeSettings AddLong(string name, long defaultValue, string description, long? quick = null,
        long? min = null, long? max = null) =>
        Add(name, SettingKind.Long, description, defaultValue, quick, RangeText(min, max),
            v => RangeProblem((long)v, min, max));

    /// <summary>
    /// Adds a double setting, optionally bounded (inclusive). NaN and ±∞ are rejected unless
    /// <paramref name="allowNonFinite"/> is set.
    /// </summary>
    public RecipeSettings AddDouble(string name, double defaultValue, string description, double? quick = null,
        double? min = null, double? max = null, bool allowNonFinite = false) =>
        Add(name, SettingKind.Double, description, defaultValue, quick, DoubleConstraint(min, max, allowNonFinite),
            v => DoubleProblem((double)v, min, max, allowNonFinite));

    public RecipeSettings AddBool(string name, bool defaultValue, string description, bool? quick = null) =>
        Add(name, SettingKind.Bool, description, defaultValue, quick, "", _ => null);

    /// <summary>Adds a string setting; with <paramref name="choices"/>, only those values (case-insensitive) are accepted.</summary>
    public RecipeSettings AddString(string name, string defaultValue, string description, string? quick = null,
        IReadOnlyList<string>? choices = null) =>
        Add(name, SettingKind.String, description, defaultValue, quick, ChoicesText(choices),
            v => ChoiceProblem((string)v, choices), choices);

    /// <summary>Adds a list-of-int setting; each element is bounded (inclusive) when limits are given.</summary>
    public RecipeSettings AddIntList(string name, IReadOnlyList<int> defaultValue, string description,
        IReadOnlyList<int>? quick = null, int? min = null, int? max = null, bool allowEmpty = false) =>
        Add(name, SettingKind.IntList, description, defaultValue.ToArray(), quick?.ToArray(), RangeText(min, max),
            v => ListProblem<int>(v, allowEmpty, x => RangeProblem(x, min, max)));

    /// <summary>Adds a list-of-double setting; elements must be finite and within the limits given.</summary>
    public RecipeSettings AddDoubleList(string name, IReadOnlyList<double> defaultValue, string description,
        IReadOnlyList<double>? quick = null, double? min = null, double? max = null, bool allowEmpty = false) =>
        Add(name, SettingKind.DoubleList, description, defaultValue.ToArray(), quick?.ToArray(),
            DoubleConstraint(min, max, false),
            v => ListProblem<double>(v, allowEmpty, x => DoubleProblem(x, min, max, false)));

    /// <summary>Adds a list-of-string setting; with <paramref name="choices"/>, each element must be one of them.</summary>
    public RecipeSettings AddStringList(string name, IReadOnlyList<string> defaultValue, string description,
        IReadOnlyList<string>? quick = null, IReadOnlyList<string>? choices = null, bool allowEmpty = false) =>
        Add(name, SettingKind.StringList, description, defaultValue.ToArray(), quick?.ToArray(), ChoicesText(choices),
            v => ListProblem<string>(v, allowEmpty, x => ChoiceProblem(x, choices)), choices);

    /// <summary>
    /// Adds the standard compute settings <c>dtype</c> (float32/float64), <c>device</c> ("cpu", "cuda", "cuda:1", …)
    /// and <c>threads</c> (TorchSharp intra-op threads, default <paramref name="threads"/>; 0 keeps the library default). Read them back with
    /// <see cref="RunContext.DType"/> and <see cref="RunContext.Device"/>; the runner applies <c>threads</c>.
    /// </summary>
    public RecipeSettings AddComputeSettings(string dtype = "float32", string device = "cpu", int threads = 0) =>
        AddString(DTypeKey, dtype, "Floating-point type of models and data", choices: ["float32", "float64"])
        .AddString(DeviceKey, device, "Torch device: cpu, cuda, cuda:1, …")
        .AddInt(ThreadsKey, threads, "TorchSharp intra-op threads (0 = library default)", min: 0);

    // The keys of the settings AddComputeSettings declares.
    public const string DTypeKey = "dtype";
    public const string DeviceKey = "device";
    public const string ThreadsKey = "threads";

    private RecipeSettings Add(string name, SettingKind kind, string description, object defaultValue,
        object? quickValue, string constraint, Func<object, string?> validate, IReadOnlyList<string>? choices = null)
    {
        if (!NamePattern().IsMatch(name))
            throw new ArgumentException(
                $"Setting name '{name}' is invalid: use lower-case letters, digits, '_', '-' or '.', starting with a letter.",
                nameof(name));
        if (_byName.ContainsKey(name))
            throw new ArgumentException($"Setting '{name}' is declared twice.", nameof(name));
        if (string.IsNullOrWhiteSpace(description))
            throw new ArgumentException($"Setting '{name}' needs a one-line description.", nameof(description));
        var setting = new Setting(name, kind, description, defaultValue, quickValue, constraint, validate, choices);
        if (Quick && setting.QuickValue is not null) setting.SetValue(setting.QuickValue, Setting.Format(setting.QuickValue));
        _settings.Add(setting);
        _byName.Add(name, setting);
        return this;
    }

    [GeneratedRegex("^[a-z][a-z0-9_.-]*$")]
    private static partial Regex NamePattern();

    /// <summary>Parses <paramref name="text"/> with the type of setting <paramref name="name"/> and assigns it.</summary>
    /// <exception cref="TelescopeException">Unknown key (valid keys listed, closest suggested) or bad value.</exception>
    public void Set(string name, string text) => this[name].SetFromText(text);

    /// <summary>Applies assignments of the form <c>key=value</c> in order (later ones win).</summary>
    /// <exception cref="TelescopeException">An assignment has no '=', names an unknown key or has a bad value.</exception>
    public void Apply(IEnumerable<string> assignments)
    {
        foreach (string assignment in assignments)
        {
            int eq = assignment.IndexOf('=');
            if (eq <= 0)
                throw new TelescopeException($"'--set {assignment}' is not of the form key=value.")
                { Hint = $"Example: --set {SeedKey}=1. Valid keys: {string.Join(", ", _byName.Keys)}" };
            Set(assignment[..eq].Trim(), assignment[(eq + 1)..]);
        }
    }

    public int GetInt(string name) => (int)Get(name, SettingKind.Int);
    public long GetLong(string name) => (long)Get(name, SettingKind.Long);
    public double GetDouble(string name) => (double)Get(name, SettingKind.Double);
    public bool GetBool(string name) => (bool)Get(name, SettingKind.Bool);
    public string GetString(string name) => (string)Get(name, SettingKind.String);
    public IReadOnlyList<int> GetIntList(string name) => (int[])Get(name, SettingKind.IntList);
    public IReadOnlyList<double> GetDoubleList(string name) => (double[])Get(name, SettingKind.DoubleList);
    public IReadOnlyList<string> GetStringList(string name) => (string[])Get(name, SettingKind.StringList);

    private object Get(string name, SettingKind kind)
    {
        var s = this[name];
        if (s.Kind != kind)
            throw new InvalidOperationException($"Setting '{name}' is a {s.TypeName}, not a {kind}.");
        return s.Value;
    }

    public IEnumerator<Setting> GetEnumerator() => _settings.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private TelescopeException UnknownKey(string name) => new($"Unknown setting '{name}'.{ClosestMatch.Suggestion(name, _byName.Keys)}")
    { Hint = $"Valid keys: {string.Join(", ", _byName.Keys)}" };

    private static string RangeText<T>(T? min, T? max) where T : struct, IFormattable =>
        (min, max) switch
        {
            (null, null) => "",
            ({ } lo, null) => $"≥ {Inv(lo)}",
            (null, { } hi) => $"≤ {Inv(hi)}",
            ({ } lo, { } hi) => $"{Inv(lo)} … {Inv(hi)}",
        };

    private static string DoubleConstraint(double? min, double? max, bool allowNonFinite)
    {
        string range = RangeText(min, max);
        if (allowNonFinite) return range;
        return range.Length == 0 ? "finite" : $"finite, {range}";
    }

    private static string Inv(IFormattable x) => x.ToString(null, CultureInfo.InvariantCulture);

    private static string? RangeProblem<T>(T value, T? min, T? max) where T : struct, IComparable<T>, IFormattable
    {
        if (min is { } lo && value.CompareTo(lo) < 0) return $"{Inv(value)} is below the minimum {Inv(lo)}";
        if (max is { } hi && value.CompareTo(hi) > 0) return $"{Inv(value)} is above the maximum {Inv(hi)}";
        return null;
    }

    private static string? DoubleProblem(double value, double? min, double? max, bool allowNonFinite)
    {
        if (double.IsNaN(value)) return allowNonFinite ? null : "NaN is not allowed here (a finite number is needed)";
        if (double.IsInfinity(value) && !allowNonFinite) return "infinity is not allowed here (a finite number is needed)";
        return RangeProblem(value, min, max);
    }

    private static string? ChoiceProblem(string value, IReadOnlyList<string>? choices) =>
        choices is null || choices.Contains(value, StringComparer.Ordinal)
            ? null
            : $"'{value}' is not one of {string.Join(", ", choices)}" +
              (ClosestMatch.Find(value, choices) is { } c ? $" (did you mean '{c}'?)" : "");

    private static string ChoicesText(IReadOnlyList<string>? choices) =>
        choices is null ? "" : "one of " + string.Join(", ", choices);

    private static string? ListProblem<TItem>(object list, bool allowEmpty, Func<TItem, string?> itemProblem) =>
        ((TItem[])list).Length == 0 && !allowEmpty ? "the list is empty (give at least one value)"
            : ((TItem[])list).Select(itemProblem).FirstOrDefault(p => p is not null);
}
