namespace Telescope.Data.Tabular;

/// <summary>
/// Loaders for the tabular suite (data README, "tabular/"): each file's SHA-256 is verified before parsing,
/// then the benchmark's preprocessing is applied (<see cref="TabularPreprocessing"/>).
/// </summary>
public static class TabularSuite
{
    /// <summary>The environment variable naming the shared data folder (its "tabular" subfolder holds the files).</summary>
    public const string DataEnvironmentVariable = "TELESCOPE_DATA";

    private static readonly string[] WineColumns =
    [
        "fixed acidity", "volatile acidity", "citric acid", "residual sugar", "chlorides", "free sulfur dioxide",
        "total sulfur dioxide", "density", "pH", "sulphates", "alcohol", "quality",
    ];

    /// <summary>One stored file of a benchmark.</summary>
    private sealed record SourceFile(string FileName, string Sha256);

    /// <summary>How one benchmark is read and preprocessed.</summary>
    private sealed record Spec(string Name, SourceFile[] Files, bool HasHeader, string TargetColumn, TargetTransform Transform,
        string[] DropColumns, IReadOnlyList<string>? HeaderlessNames = null);

    private static Spec SpecOf(TabularBenchmark benchmark) => benchmark switch
    {
        TabularBenchmark.Houses => new("houses", [new("houses_cal_housing.csv", "534365b6c3c9b07c2b7d88e0ff9f1b41725d8b799748f5c0b80e1067f51c8ab3")],
            true, "median_house_value", TargetTransform.Log, []),
        TabularBenchmark.CpuAct => new("cpu_act", [new("cpu_act.csv", "72a215c6fcad26f907605b1cb1f154836d19ac019d95da1375d9251d0467f501")],
            true, "22", TargetTransform.None, []),
        TabularBenchmark.House16H => new("house_16H", [new("house_16h.csv", "3786f2207a69a6a49a66c684ed69bbfde08e18b42a146e51f69ac85c108ffca5")],
            true, "y", TargetTransform.Log1p, []),
        TabularBenchmark.WineQuality => new("wine_quality",
            [new("winequality-red.csv", "c9614512e980f1cbd221c796daa97f00c4898c3cd1716863abac60f6cd1a522e"),
             new("winequality-white.csv", "659d419fff887f225bf977d20520bb64a64cae203e460087f809721d4430ba27")],
            false, "quality", TargetTransform.None, [], WineColumns),
        TabularBenchmark.Elevators => new("elevators", [new("elevators.csv", "6e34c1d56a2da064607287b36eed0ef380504f33218e4f222815c002c2d1a239")],
            true, "y", TargetTransform.None, []),
        TabularBenchmark.Ailerons => new("Ailerons", [new("ailerons.csv", "99c792b0b705ded83efe4408ce8d71a9727a765a609b13ab2038b892b9cf28eb")],
            true, "y", TargetTransform.None, []),
        TabularBenchmark.MiamiHousing2016 => new("MiamiHousing2016", [new("miami-housing.csv", "ac7a8605ab4342da9443f4ded5b39863f7a3b455590468f87c6a57916302303f")],
            true, "SALE_PRC", TargetTransform.Log, ["PARCELNO"]),
        TabularBenchmark.Diamonds => new("diamonds", [new("diamonds.csv", "ded35d24c7319ae5b9e547908ce25f4b8471f2107dd85bcb2a864377ff300b5e")],
            true, "price", TargetTransform.Log, ["cut", "color", "clarity"]),
        TabularBenchmark.Pol => new("pol", [new("pole_telecomm.csv", "575dad6fad6772c772b14cb7375fe6066a6924146920c0903d4285a6f9c940c4")],
            true, "y", TargetTransform.None, []),
        _ => throw new ArgumentOutOfRangeException(nameof(benchmark), benchmark, "Unknown benchmark."),
    };

    /// <summary>The benchmark's name as in the paper (e.g. "house_16H").</summary>
    public static string NameOf(TabularBenchmark benchmark) => SpecOf(benchmark).Name;

    /// <summary>The tabular folder from <c>TELESCOPE_DATA</c>, or null when the variable is unset.</summary>
    public static string? DirectoryFromEnvironment()
    {
        string? root = Environment.GetEnvironmentVariable(DataEnvironmentVariable);
        return string.IsNullOrWhiteSpace(root) ? null : Path.Combine(root, "tabular");
    }

    /// <summary>
    /// Loads one benchmark from <paramref name="tabularDirectory"/> (the folder holding the CSV files):
    /// checksum, parse, preprocess. Multi-file benchmarks (wine: red then white) are concatenated first.
    /// </summary>
    public static TabularDataset Load(TabularBenchmark benchmark, string tabularDirectory)
    {
        var spec = SpecOf(benchmark);
        foreach (var f in spec.Files) FileIntegrity.VerifySha256(Path.Combine(tabularDirectory, f.FileName), f.Sha256);

        IReadOnlyList<string>? names = null;
        var values = new List<double>();
        int rows = 0;
        foreach (var f in spec.Files)
        {
            var table = CsvTable.Read(Path.Combine(tabularDirectory, f.FileName), spec.HasHeader ? null : spec.HeaderlessNames, spec.DropColumns);
            if (names is not null && !names.SequenceEqual(table.ColumnNames))
                throw new InvalidDataException($"{f.FileName}: columns differ from {spec.Files[0].FileName}.");
            names = table.ColumnNames;
            values.AddRange(table.Values);
            rows += table.Rows;
        }
        string source = string.Join("+", spec.Files.Select(f => f.FileName));
        return TabularPreprocessing.Apply(spec.Name, source, values.ToArray(), rows, names!, spec.TargetColumn, spec.Transform);
    }
}
