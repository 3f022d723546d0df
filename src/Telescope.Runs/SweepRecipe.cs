namespace Telescope.Runs;

/// <summary>
/// A sweep recipe with typed settings: the name, description and <see cref="SettingsSchema{T}"/> given to the
/// constructor make <see cref="IRecipe.CreateSettings"/>, and the settings are bound before <see cref="Run(RunContext, TSettings)"/>
/// and <see cref="WriteOutputs"/>; the sub-runs go through <see cref="Sweep"/>, which also serves <see cref="Merge"/>.
/// </summary>
/// <typeparam name="TSettings">The recipe's settings record.</typeparam>
/// <typeparam name="TResult">One sub-run's result (JSON-serializable).</typeparam>
/// <typeparam name="TFacts">The sweep-wide facts a merge needs (JSON-serializable).</typeparam>
public abstract class SweepRecipe<TSettings, TResult, TFacts> : ISweepRecipe where TSettings : class
{
    private readonly SettingsSchema<TSettings> _schema;

    /// <summary>A recipe called <paramref name="name"/> whose settings <paramref name="schema"/> declares.</summary>
    protected SweepRecipe(string name, string description, SettingsSchema<TSettings> schema)
    {
        Name = name;
        Description = description;
        _schema = schema;
        Sweep = new((context, facts, results, liveMetrics) => WriteOutputs(context, _schema.Bind(context.Settings), facts, results, liveMetrics));
    }

    public string Name { get; }
    public string Description { get; }

    /// <summary>The skeleton the recipe's sub-runs run on.</summary>
    protected SweepSkeleton<TResult, TFacts> Sweep { get; }

    public RecipeSettings CreateSettings(bool quick) => _schema.Create(quick);
    public void Run(RunContext context) => Run(context, _schema.Bind(context.Settings));
    public void Merge(RunContext context, string facts, IReadOnlyList<string> results) => Sweep.Merge(context, facts, results);

    /// <summary>Runs the sweep (through <see cref="Sweep"/>) with the resolved settings.</summary>
    protected abstract void Run(RunContext context, TSettings settings);

    /// <summary>The combination step of <see cref="SweepSkeleton{TResult, TFacts}"/>, with the resolved settings.</summary>
    protected abstract void WriteOutputs(RunContext context, TSettings settings, TFacts facts, IReadOnlyList<TResult> results,
        MetricsCsvWriter? liveMetrics);
}
