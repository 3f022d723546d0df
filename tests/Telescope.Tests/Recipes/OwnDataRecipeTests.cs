using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Telescope.Cli;
using Telescope.Data;
using Telescope.Recipes.Approximation;
using Telescope.Recipes.DoubleDescent;
using Telescope.Recipes.TabularGbt;
using Telescope.Runs;
using Xunit;

namespace Telescope.Tests.Recipes;

/// <summary>
/// Recipes on a researcher's own files, end to end on tiny settings: tabular-gbt on a generated CSV and
/// approximation on generated IDX files run and record every file's sha256 (checked against an independent hash)
/// in config.json and report.md; a repeat from config.json stops when a file changed; bad files stop the run with
/// a message naming the file and line or record — through the CLI with exit code 2 and no run folder left.
/// </summary>
public sealed class OwnDataRecipeTests() : TempFolderTest("telescope-owndata-")
{
    private string Runs => Path.Combine(_root, "runs");

    private static readonly string[] TinyTabular =
    [
        "train_size=100", "pool_size=200", "test_size=10", "repetitions=2", "hidden=8", "steps=30", "log_every=10",
        "batch_size=16", "lr=0.01", "gbt_leaves=4", "gbt_min_data_in_leaf=5", "gbt_max_rounds=20", "dtype=float64", "threads=1",
    ];

    private static readonly string[] TinyApproximation =
    [
        "train_size=96", "test_probes=24", "train_probes=12", "hidden=12", "batch_size=16", "steps=12", "log_every=4",
        "optimizers=sgd", "lr.sgd=0.01", "default_lr.sgd=0.01", "threads=1",
    ];

    /// <summary>The tabular-gbt test data set (sin, square, linear terms; 5% irregular rows) as a CSV with an ID column.</summary>
    private string WriteCsv(string name, int rows = 400, Func<int, string, string>? edit = null)
    {
        var data = TabularGbtTests.Synthetic("x", rows);
        var lines = new List<string> { "id,x0,x1,x2,x3,y" };
        for (int i = 0; i < rows; i++)
        {
            string line = string.Join(',', [(7000 + i).ToString(CultureInfo.InvariantCulture),
                .. data.Row(i).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)),
                data.Target[i].ToString("R", CultureInfo.InvariantCulture)]);
            lines.Add(edit?.Invoke(i, line) ?? line);
        }
        string path = Path.Combine(_root, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>The built-in synthetic images written as an IDX pair (pixels rounded to bytes).</summary>
    private (string Images, string Labels) WriteIdx(string name, DataSplit split, int count)
    {
        var set = SyntheticImages.Load(split, count, seed: 3);
        var images = new byte[16 + set.Pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(images, IdxReader.ImageMagic);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), set.Shape.Height);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(12), set.Shape.Width);
        for (int i = 0; i < set.Pixels.Length; i++) images[16 + i] = (byte)Math.Round(Math.Clamp(set.Pixels[i], 0, 1) * 255);
        var labels = new byte[8 + count];
        BinaryPrimitives.WriteInt32BigEndian(labels, IdxReader.LabelMagic);
        BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(4), count);
        for (int i = 0; i < count; i++) labels[8 + i] = (byte)set.Labels[i];
        string imagesPath = Path.Combine(_root, name + "-images-idx3-ubyte"), labelsPath = Path.Combine(_root, name + "-labels-idx1-ubyte");
        File.WriteAllBytes(imagesPath, images);
        File.WriteAllBytes(labelsPath, labels);
        return (imagesPath, labelsPath);
    }

    private string[] IdxSettings()
    {
        var (trainImages, trainLabels) = WriteIdx("mine-train", DataSplit.Train, 120);
        var (testImages, testLabels) = WriteIdx("mine-test", DataSplit.Test, 30);
        return [$"train_images={trainImages}", $"train_labels={trainLabels}", $"test_images={testImages}", $"test_labels={testLabels}"];
    }

    private static string ReplaceField(string line, int field, string value)
    {
        var parts = line.Split(',');
        parts[field] = value;
        return string.Join(',', parts);
    }

    private static RunResult Run(IRecipe recipe, string outPath, string[] settings, string? config = null) =>
        RecipeRunner.Run(new RecipeCatalog([recipe]),
            new RunRequest { Recipe = config is null ? recipe.Name : null, Quick = true, Out = outPath, Assignments = settings, ConfigPath = config },
            SilentProgressReporter.Instance);

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static List<JsonElement> DataFiles(string folder)
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "config.json")));
        return config.RootElement.GetProperty("dataFiles").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    [Fact]
    public void TabularGbtRunsOnAnOwnCsvAndRecordsItsSha256()
    {
        // Two rows with a missing value are dropped (the suite's preprocessing); the ID column is ignored as asked.
        string csv = WriteCsv("own.csv", edit: (i, line) => i is 17 or 230 ? ReplaceField(line, 1, "") : line);
        var folder = Run(new TabularGbtRecipe(), Path.Combine(_root, "tab"),
            [.. TinyTabular, $"datasets=csv:{csv}", "target=y", "drop_columns=id"]).Folder;

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
        var d = summary.RootElement.GetProperty("datasets").EnumerateArray().Single();
        Assert.Equal("own.csv", d.GetProperty("dataset").GetString());
        Assert.Equal(398, d.GetProperty("source_rows").GetInt32());
        // The exact tree smoother reproduces LightGBM (which rounds residuals to float32, hence not 1e-12; README).
        Assert.InRange(d.GetProperty("gbt_smoother_max_abs_error").GetDouble(), 0, 1e-6);

        var record = DataFiles(folder).Single();
        Assert.Equal(Path.GetFullPath(csv), record.GetProperty("path").GetString());
        Assert.Equal(Sha256(csv), record.GetProperty("sha256").GetString());
        Assert.Equal(JsonValueKind.Null, record.GetProperty("knownAs").ValueKind);
        string report = File.ReadAllText(Path.Combine(folder, "report.md"));
        Assert.Contains("## Data files", report);
        Assert.Contains("no published checksum", report);
        Assert.Contains(Sha256(csv), report);
        Assert.Contains("398 complete rows of 400", report);
    }

    [Fact]
    public void ApproximationRunsOnOwnIdxFilesAndARepeatStopsWhenAFileChanged()
    {
        string[] files = IdxSettings();
        var first = Run(new ApproximationRecipe(), Path.Combine(_root, "img"), [.. TinyApproximation, .. files]).Folder;

        using (var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(first, "summary.json"))))
            Assert.StartsWith("your own image files (train: mine-train-images-idx3-ubyte", summary.RootElement.GetProperty("data").GetString());
        var records = DataFiles(first);
        Assert.Equal(["train images", "train labels", "test images", "test labels"], records.Select(r => r.GetProperty("role").GetString()));
        for (int k = 0; k < 4; k++)
            Assert.Equal(Sha256(files[k][(files[k].IndexOf('=') + 1)..]), records[k].GetProperty("sha256").GetString());
        string report = File.ReadAllText(Path.Combine(first, "report.md"));
        Assert.Contains("None of the 4 data files read by path is a known data file", report);

        // The same config on the same files runs again; after a byte of the test labels changed it stops, naming the file.
        string config = Path.Combine(first, "config.json");
        Run(new ApproximationRecipe(), Path.Combine(_root, "again"), [], config);
        string testLabels = files[3][(files[3].IndexOf('=') + 1)..];
        var bytes = File.ReadAllBytes(testLabels);
        bytes[^1] = (byte)((bytes[^1] + 1) % 10);
        File.WriteAllBytes(testLabels, bytes);
        var e = Assert.Throws<TelescopeException>(() => Run(new ApproximationRecipe(), Path.Combine(_root, "changed"), [], config));
        Assert.Contains(Path.GetFullPath(testLabels), e.Message);
        Assert.Contains("has changed since the run", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "changed")));
    }

    [Fact]
    public void DoubleDescentRunsOnOwnCifar10FormatFiles()
    {
        // Labels cycle 0..9, so 60 training records hold 6 of class 3 and 6 of class 5 (train_size 12 = 6 + 6).
        string train = Path.Combine(_root, "own_train.bin"), test = Path.Combine(_root, "own_test.bin");
        File.WriteAllBytes(train, Data.DataFixtures.CifarRecords([.. Enumerable.Range(0, 60).Select(i => (byte)(i % 10))]));
        File.WriteAllBytes(test, Data.DataFixtures.CifarRecords([.. Enumerable.Range(0, 40).Select(i => (byte)((i * 3) % 10))]));
        string folder = Path.Combine(_root, "dd");
        Run(new DoubleDescentRecipe(), folder,
        [
            "train_size=12", "test_size=8", "test_probes=4", "widths=1,3", "max_steps=10", "converge_window=0", "log_every=5", "directions=2",
            "label_noise=0", "dtype=float64", "threads=1", $"train_images={train}", $"test_images={test}",
        ]);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
        Assert.False(summary.RootElement.GetProperty("synthetic_data").GetBoolean());
        foreach (var r in summary.RootElement.GetProperty("results").EnumerateArray())
            Assert.Equal(r.GetProperty("width").GetInt32() * (3 * 8 * 8 + 2) + 1, r.GetProperty("parameters").GetInt64()); // 3×32×32 pooled by 4
        Assert.Equal([Sha256(train), Sha256(test)], DataFiles(folder).Select(r => r.GetProperty("sha256").GetString()));
    }

    [Fact]
    public void TooFewCsvRowsForTheTrainingSizeNamesTheFile()
    {
        string csv = WriteCsv("small.csv", rows: 105);
        var e = Assert.Throws<DataFileException>(() => Run(new TabularGbtRecipe(), Path.Combine(_root, "small"),
            [.. TinyTabular, $"datasets=csv:{csv}", "target=y"]));
        Assert.Equal(Path.GetFullPath(csv), e.FilePath);
        Assert.Contains("105 complete rows", e.Message);
        Assert.Contains("train_size = 100", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "small")));
    }

    [Fact]
    public void OwnFilesWithAnotherDataChoiceAndCsvWithoutATargetAreUserErrors()
    {
        var ignored = Assert.Throws<TelescopeException>(() => Run(new ApproximationRecipe(), Path.Combine(_root, "ign"),
            [.. TinyApproximation, .. IdxSettings(), "data=synthetic"]));
        Assert.Contains("would ignore them", ignored.Message);
        var noTarget = Assert.Throws<TelescopeException>(() => Run(new TabularGbtRecipe(), Path.Combine(_root, "nt"),
            [.. TinyTabular, $"datasets=csv:{WriteCsv("t.csv")}"]));
        Assert.Contains("--set target=", noTarget.Hint);
        var unknown = Assert.Throws<TelescopeException>(() => Run(new TabularGbtRecipe(), Path.Combine(_root, "un"),
            [.. TinyTabular, "datasets=hoses"]));
        Assert.Contains("csv:PATH", unknown.Hint);
    }

    private (int Code, string Out, string Err) Cli(IRecipe recipe, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = TelescopeCli.Invoke(args, new RecipeCatalog([recipe]), output, error, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    private static string[] Sets(IEnumerable<string> settings) => [.. settings.SelectMany(a => new[] { "--set", a })];

    [Fact]
    public void ThroughTheCliABadCsvExitsWith2NamesFileAndLineAndLeavesNoFolder()
    {
        string csv = WriteCsv("bad.csv", edit: (i, line) => i == 41 ? ReplaceField(line, 2, "n/a") : line);
        Directory.CreateDirectory(Runs);
        var (code, _, error) = Cli(new TabularGbtRecipe(),
            ["run", "tabular-gbt", "--quick", .. Sets([.. TinyTabular, $"datasets=csv:{csv}", "target=y"]), "--out", Path.Combine(Runs, "bad")]);
        Assert.Equal(TelescopeCli.ExitUserError, code);
        Assert.Contains(Path.GetFullPath(csv) + ":43", error);   // header + 41 rows before it
        Assert.Contains("'n/a'", error);
        Assert.Empty(Directory.GetFileSystemEntries(Runs));
    }

    [Fact]
    public void ThroughTheCliATruncatedIdxFileExitsWith2NamesTheRecordAndLeavesNoFolder()
    {
        string[] files = IdxSettings();
        string trainImages = files[0][(files[0].IndexOf('=') + 1)..];
        File.WriteAllBytes(trainImages, File.ReadAllBytes(trainImages)[..^100]);
        Directory.CreateDirectory(Runs);
        var (code, _, error) = Cli(new ApproximationRecipe(),
            ["run", "approximation", "--quick", .. Sets([.. TinyApproximation, .. files]), "--out", Path.Combine(Runs, "trunc")]);
        Assert.Equal(TelescopeCli.ExitUserError, code);
        Assert.Contains(trainImages, error);
        Assert.Contains("record 119 is incomplete", error);
        Assert.Empty(Directory.GetFileSystemEntries(Runs));
    }
}
