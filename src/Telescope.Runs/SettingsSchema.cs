using System.Linq.Expressions;
using System.Reflection;
using Telescope.Verdicts;

namespace Telescope.Runs;

/// <summary>
/// The typed settings of a recipe: a record <typeparamref name="T"/> whose properties the recipe reads, and one
/// declaration per property here carrying the setting's command-line name, type (the property's), default, quick-mode
/// value, range or choices, description and, where a default comes from a paper, its source. From it come the runtime
/// <see cref="RecipeSettings"/> (parsing of <c>--set</c>, <c>--config</c> and config.json, validation, <c>describe</c>,
/// the run's fingerprint) and, once resolved, the record itself (<see cref="Bind"/>), so no string key appears outside
/// the declaration. The pattern is open_lth's hyperparameter dataclasses; docs/architecture.md §3 explains it.
/// </summary>
/// <example>
/// <code>
/// public sealed record MySettings(long Seed, int Width, IReadOnlyList&lt;double&gt; LearningRates)
/// {
///     public static SettingsSchema&lt;MySettings&gt; Schema { get; } = new SettingsSchema&lt;MySettings&gt;()
///         .Seed(x => x.Seed)
///         .Int(x => x.Width, "width", 512, "Hidden-layer width", quick: 64, min: 1)
///         .DoubleList(x => x.LearningRates, "lrs", [0.01, 0.1], "Learning rates to sweep", min: 0);
/// }
/// // in the recipe: CreateSettings(quick) => MySettings.Schema.Create(quick);
/// //                Run(context):  var s = MySettings.Schema.Bind(context.Settings);  … s.Width …
/// </code>
/// </example>
/// <typeparam name="T">A record (positional, or with init-only properties) with one property per setting.</typeparam>
/// <param name="defaultSeed">The default of the <c>seed</c> setting every run has.</param>
public sealed class SettingsSchema<T>(long defaultSeed = 0) where T : class
{
    private readonly List<Action<RecipeSettings>> _declarations = [];
    private readonly List<Action<T, RecipeSettings>> _binders = [];

    /// <summary>The settings with their defaults (quick-mode values when <paramref name="quick"/>), ready to be resolved.</summary>
    public RecipeSettings Create(bool quick) => DeclareInto(new RecipeSettings(quick, defaultSeed));

    /// <summary>The record holding the resolved values of <paramref name="settings"/> (created by <see cref="Create"/>).</summary>
    public T Bind(RecipeSettings settings)
    {
        // A positional record has no parameterless constructor: its properties are all set below, so an uninitialized
        // instance is complete once bound (the record must not compute anything in its constructor).
        var record = typeof(T).GetConstructor(Type.EmptyTypes) is { } constructor
            ? (T)constructor.Invoke(null)
            : (T)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(typeof(T));
        foreach (var bind in _binders) bind(record, settings);
        return record;
    }

    private RecipeSettings DeclareInto(RecipeSettings settings)
    {
        foreach (var declare in _declarations) declare(settings);
        return settings;
    }

    // ---- one setting per property ------------------------------------------------------------------

    /// <summary>An int setting, bounded (inclusive) when limits are given.</summary>
    public SettingsSchema<T> Int(Expression<Func<T, int>> property, string name, int @default, string description,
        int? quick = null, int? min = null, int? max = null, string? source = null) =>
        Add(property, s => s.AddInt(name, @default, description, quick, min, max), s => s.GetInt(name), name, source);

    /// <summary>A long setting, bounded (inclusive) when limits are given.</summary>
    public SettingsSchema<T> Long(Expression<Func<T, long>> property, string name, long @default, string description,
        long? quick = null, long? min = null, long? max = null, string? source = null) =>
        Add(property, s => s.AddLong(name, @default, description, quick, min, max), s => s.GetLong(name), name, source);

    /// <summary>A double setting: finite unless <paramref name="allowNonFinite"/>, bounded (inclusive) when limits are given.</summary>
    public SettingsSchema<T> Double(Expression<Func<T, double>> property, string name, double @default, string description,
        double? quick = null, double? min = null, double? max = null, bool allowNonFinite = false, string? source = null) =>
        Add(property, s => s.AddDouble(name, @default, description, quick, min, max, allowNonFinite), s => s.GetDouble(name), name, source);

    public SettingsSchema<T> Bool(Expression<Func<T, bool>> property, string name, bool @default, string description,
        bool? quick = null, string? source = null) =>
        Add(property, s => s.AddBool(name, @default, description, quick), s => s.GetBool(name), name, source);

    /// <summary>A string setting; with <paramref name="choices"/>, only those values (case-insensitive) are accepted.</summary>
    public SettingsSchema<T> String(Expression<Func<T, string>> property, string name, string @default, string description,
        string? quick = null, IReadOnlyList<string>? choices = null, string? source = null) =>
        Add(property, s => s.AddString(name, @default, description, quick, choices), s => s.GetString(name), name, source);

    /// <summary>A comma-separated list of ints, each bounded (inclusive) when limits are given.</summary>
    public SettingsSchema<T> IntList(Expression<Func<T, IReadOnlyList<int>>> property, string name, IReadOnlyList<int> @default,
        string description, IReadOnlyList<int>? quick = null, int? min = null, int? max = null, bool allowEmpty = false, string? source = null) =>
        Add(property, s => s.AddIntList(name, @default, description, quick, min, max, allowEmpty), s => s.GetIntList(name), name, source);

    /// <summary>A comma-separated list of finite doubles, each bounded (inclusive) when limits are given.</summary>
    public SettingsSchema<T> DoubleList(Expression<Func<T, IReadOnlyList<double>>> property, string name, IReadOnlyList<double> @default,
        string description, IReadOnlyList<double>? quick = null, double? min = null, double? max = null, bool allowEmpty = false,
        string? source = null) =>
        Add(property, s => s.AddDoubleList(name, @default, description, quick, min, max, allowEmpty), s => s.GetDoubleList(name), name, source);

    /// <summary>A comma-separated list of strings; with <paramref name="choices"/>, each must be one of them.</summary>
    public SettingsSchema<T> StringList(Expression<Func<T, IReadOnlyList<string>>> property, string name, IReadOnlyList<string> @default,
        string description, IReadOnlyList<string>? quick = null, IReadOnlyList<string>? choices = null, bool allowEmpty = false,
        string? source = null) =>
        Add(property, s => s.AddStringList(name, @default, description, quick, choices, allowEmpty), s => s.GetStringList(name), name, source);

    // ---- settings every recipe shares ---------------------------------------------------------------

    /// <summary>Binds the <c>seed</c> setting every run has (declared by <see cref="RecipeSettings"/> itself).</summary>
    public SettingsSchema<T> Seed(Expression<Func<T, long>> property) => Bind(property, s => s.Seed);

    /// <summary>The <c>seeds</c> repetitions (<see cref="RecipeSettings.AddSeeds"/>), bound as the resolved list (<c>[seed]</c> when empty).</summary>
    public SettingsSchema<T> Seeds(Expression<Func<T, IReadOnlyList<long>>> property, IReadOnlyList<int>? full = null, IReadOnlyList<int>? quick = null) =>
        Add(property, s => s.AddSeeds(full, quick), s => s.GetSeeds(), null, null);

    /// <summary>The verdict thresholds (<see cref="RecipeSettings.AddVerdictCriteria"/>).</summary>
    public SettingsSchema<T> Verdicts(Expression<Func<T, VerdictCriteria>> property) =>
        Add(property, s => s.AddVerdictCriteria(), s => s.GetVerdictCriteria(), null, null);

    /// <summary>dtype, device and threads (<see cref="RecipeSettings.AddComputeSettings"/>), bound as <see cref="ComputeSettings"/>.</summary>
    public SettingsSchema<T> Compute(Expression<Func<T, ComputeSettings>> property, string dtype = "float32", string device = "cpu", int threads = 0) =>
        Add(property, s => s.AddComputeSettings(dtype, device, threads), ComputeSettings.Read, null, null);

    /// <summary>A group of settings declared by another schema, bound as its record (shared groups such as an optimizer's).</summary>
    public SettingsSchema<T> Group<TGroup>(Expression<Func<T, TGroup>> property, SettingsSchema<TGroup> group) where TGroup : class =>
        Add(property, s => group.DeclareInto(s), group.Bind, null, null);

    /// <summary>
    /// The same setting for each of <paramref name="keys"/> (e.g. a learning-rate grid per optimizer, named
    /// <c>lr.sgd</c>, <c>lr.adam</c>, …), bound as a dictionary from key to value.
    /// </summary>
    public SettingsSchema<T> Each<TValue>(Expression<Func<T, IReadOnlyDictionary<string, TValue>>> property, IReadOnlyList<string> keys,
        Action<RecipeSettings, string> declare, Func<RecipeSettings, string, TValue> read) =>
        Add(property, s => { foreach (string k in keys) declare(s, k); },
            s => (IReadOnlyDictionary<string, TValue>)keys.ToDictionary(k => k, k => read(s, k), StringComparer.Ordinal), null, null);

    // ---- plumbing ------------------------------------------------------------------------------------

    private SettingsSchema<T> Add<TValue>(Expression<Func<T, TValue>> property, Action<RecipeSettings> declare,
        Func<RecipeSettings, TValue> read, string? name, string? source)
    {
        _declarations.Add(s =>
        {
            declare(s);
            if (source is not null && name is not null) s[name].Source = source;
        });
        return Bind(property, read);
    }

    private SettingsSchema<T> Bind<TValue>(Expression<Func<T, TValue>> property, Func<RecipeSettings, TValue> read)
    {
        var target = PropertyOf(property);
        _binders.Add((record, s) => target.SetValue(record, read(s)));
        return this;
    }

    private static PropertyInfo PropertyOf<TValue>(Expression<Func<T, TValue>> property) =>
        property.Body is MemberExpression { Member: PropertyInfo p } member && member.Expression is ParameterExpression && p.CanWrite
            ? p
            : throw new ArgumentException($"'{property}' must name a settable or init-only property of {typeof(T).Name}, e.g. x => x.Width.",
                nameof(property));
}
