using Telescope.Data.Tabular;

namespace Telescope.Recipes.TabularGbt;

/// <summary>
/// Resolves the <c>datasets</c> setting of tabular-gbt: suite names (read from the data folder, checksummed) and
/// <c>csv:PATH</c> entries (the user's own files, read with <see cref="OwnCsvFile"/> using the <c>target</c>,
/// <c>target_transform</c> and <c>drop_columns</c> settings, and recorded in the run with their sha256).
/// </summary>
internal static class TabularSources
{
    /// <summary>Rows a data set needs beyond the training rows: the smallest test pool <see cref="TabularGbtData.Prepare"/> accepts.</summary>
    public const int MinimumPoolRows = 10;

    /// <summary>Every requested data set, in order.</summary>
    /// <exception cref="TelescopeException">An unknown name, a missing data folder for suite names, or a bad CSV file.</exception>
    public static IReadOnlyList<TabularDataset> Load(RunContext context, TabularGbtSettings s, Func<string, TabularDataset>? suiteLoader)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<TabularDataset>(s.Datasets.Count);
        foreach (string entry in s.Datasets)
        {
            TabularDataset data;
            bool csv = entry.StartsWith(OwnCsvFile.Prefix, StringComparison.OrdinalIgnoreCase);
            if (csv || entry.StartsWith(OwnParquetFile.Prefix, StringComparison.OrdinalIgnoreCase))
            {
                var options = new OwnCsvOptions(s.Target, ParseTransform(s.TargetTransform), s.DropColumns, s.TrainSize + MinimumPoolRows,
                    $"train_size = {s.TrainSize} training rows + a test pool of at least {MinimumPoolRows}",
                    new CsvFormat(CsvFormat.ParseSeparator(s.CsvSeparator), s.DecimalComma));
                var (own, record) = csv
                    ? OwnCsvFile.Load(entry[OwnCsvFile.Prefix.Length..], options)
                    : OwnParquetFile.Load(entry[OwnParquetFile.Prefix.Length..], options);
                context.RecordDataFile(record);
                data = own;
            }
            else
            {
                string name = TabularGbtRecipe.DatasetNames.FirstOrDefault(d => d.Equals(entry.Trim(), StringComparison.OrdinalIgnoreCase))
                    ?? throw new TelescopeException($"'{entry}' in datasets is neither a suite data set nor {OwnCsvFile.Prefix}PATH or {OwnParquetFile.Prefix}PATH.")
                    { Hint = $"Use suite names ({string.Join(", ", TabularGbtRecipe.DatasetNames)}) or {OwnCsvFile.Prefix}PATH / {OwnParquetFile.Prefix}PATH for your own CSV or Parquet file." };
                data = Suite(name, context, suiteLoader);
            }
            if (!names.Add(data.Name))
                throw new TelescopeException($"The data set '{data.Name}' appears twice in datasets.") { Hint = "List each data set once." };
            result.Add(data);
        }
        return result;
    }

    /// <summary>The suite data set <paramref name="name"/>: from <paramref name="suiteLoader"/>, else from the data folder.</summary>
    public static TabularDataset Suite(string name, RunContext context, Func<string, TabularDataset>? suiteLoader) =>
        suiteLoader is not null ? suiteLoader(name)
            : TabularSuite.Load(Enum.GetValues<TabularBenchmark>().First(b => TabularSuite.NameOf(b) == name), Path.Combine(context.RequireDataDirectory(), "tabular"));

    private static TargetTransform ParseTransform(string value) => value switch
    {
        "none" => TargetTransform.None,
        "log" => TargetTransform.Log,
        "log1p" => TargetTransform.Log1p,
        _ => throw new TelescopeException($"Unknown target_transform '{value}'.") { Hint = "Use none, log or log1p." },
    };
}
