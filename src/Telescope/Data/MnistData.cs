namespace Telescope.Data;

/// <summary>
/// Loads MNIST from a data folder's <c>mnist/</c> subfolder (or a folder holding the files directly).
/// Training split: the official full files <c>train-images-idx3-ubyte(.gz)</c> + <c>train-labels-idx1-ubyte(.gz)</c>
/// when present (60000), else the data folder's <c>train-10k-*</c> pair (the first 10000, original order).
/// Test split: <c>t10k-images-idx3-ubyte(.gz)</c> + <c>t10k-labels-idx1-ubyte(.gz)</c>.
/// Known files are checksum-verified; pixels are scaled to [0, 1].
/// </summary>
public static class MnistData
{
    /// <summary>Subfolder of the data folder holding MNIST.</summary>
    public const string Subfolder = "mnist";

    /// <summary>(images, labels) base names in order of preference; each may carry <c>.gz</c>.</summary>
    private static readonly (string Images, string Labels)[] TrainPairs =
    [
        ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        ("train-images.idx3-ubyte", "train-labels.idx1-ubyte"),
        ("train-10k-images-idx3-ubyte", "train-10k-labels-idx1-ubyte"),
    ];

    private static readonly (string Images, string Labels)[] TestPairs =
    [
        ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
        ("t10k-images.idx3-ubyte", "t10k-labels.idx1-ubyte"),
    ];

    /// <summary>Loads a split (all of it, or its first <paramref name="count"/> examples).</summary>
    /// <exception cref="FileNotFoundException">No image/label pair for the split; the message lists where it looked.</exception>
    /// <exception cref="ArgumentOutOfRangeException">More examples requested than the files hold.</exception>
    public static ImageDataset Load(DataFolder folder, DataSplit split, int? count = null, ChecksumTable? checksums = null)
    {
        var (images, labels) = FindFiles(folder, split);
        string name = split == DataSplit.Train ? "mnist-train" : "mnist-test";
        var header = IdxReader.ReadLabels(labels, checksums);
        if (count is int n && n > header.Length)
        {
            string more = split == DataSplit.Train && Path.GetFileName(images).StartsWith("train-10k", StringComparison.Ordinal)
                ? " The data folder ships only the first 10000 training images; for more, download the official " +
                  $"train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz into {folder.Combine(Subfolder)}."
                : "";
            throw new ArgumentOutOfRangeException(nameof(count), count,
                $"'{labels}' holds {header.Length} examples; {n} were requested.{more}");
        }
        return IdxReader.ReadDataset(images, labels, name, 10, count, checksums);
    }

    /// <summary>
    /// MNIST from <paramref name="folder"/>, or — when there is no data folder — the built-in synthetic
    /// stand-in (<see cref="SyntheticImages"/>, named "synthetic-…" so reports can say so) with
    /// <paramref name="count"/> examples (default 10000). A folder that lacks MNIST is an error, never
    /// silently replaced.
    /// </summary>
    public static ImageDataset LoadOrSynthetic(DataFolder? folder, DataSplit split, int? count = null)
        => folder is not null ? Load(folder, split, count) : SyntheticImages.Load(split, count ?? 10000);

    /// <summary>Loads a split from a data folder given by path.</summary>
    public static ImageDataset Load(string folder, DataSplit split, int? count = null)
        => Load(DataFolder.Open(folder), split, count);

    /// <summary>The (images, labels) files a split would be read from.</summary>
    /// <exception cref="FileNotFoundException">No complete pair exists.</exception>
    public static (string Images, string Labels) FindFiles(DataFolder folder, DataSplit split)
    {
        var pairs = split == DataSplit.Train ? TrainPairs : TestPairs;
        foreach (var (imagesBase, labelsBase) in pairs)
        {
            var images = folder.FindFile(Subfolder, imagesBase + ".gz", imagesBase);
            if (images is null) continue;
            var labels = Path.Combine(Path.GetDirectoryName(images)!, labelsBase + ".gz");
            if (!File.Exists(labels)) labels = Path.Combine(Path.GetDirectoryName(images)!, labelsBase);
            if (!File.Exists(labels))
                throw new FileNotFoundException(
                    $"Found MNIST images '{images}' but not their labels '{labelsBase}.gz' (or '{labelsBase}') next to them.",
                    labels);
            return (images, labels);
        }
        var lookedFor = string.Join(", ", pairs.Select(p => p.Images + "(.gz)"));
        throw new FileNotFoundException(
            $"No MNIST {split.ToString().ToLowerInvariant()} images in '{folder.Combine(Subfolder)}' (looked for {lookedFor}). " +
            DataFolder.HowToPointAtData);
    }
}
