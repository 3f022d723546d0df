namespace Telescope.Data;

/// <summary>
/// Loads CIFAR-10 from a data folder's <c>cifar10/</c> subfolder (or a folder holding the files directly).
/// Prefers the official binary batches when present (<c>data_batch_1.bin</c> … <c>data_batch_5.bin</c>,
/// <c>test_batch.bin</c>, also inside <c>cifar-10-batches-bin/</c>), else the data folder's 10k files
/// <c>cifar10-train-10k.bin.gz</c> / <c>cifar10-test-10k.bin.gz</c>, whose records are interleaved by class so
/// every prefix of 10·k records is class-balanced (the official batches are not: use
/// <see cref="ImageDataset.ClassBalanced"/> there). Pixels are scaled to [0, 1], images are 3×32×32 (CHW).
/// </summary>
public static class Cifar10Data
{
    /// <summary>Subfolder of the data folder holding CIFAR-10.</summary>
    public const string Subfolder = "cifar10";

    /// <summary>Loads a split (all of it, or its first <paramref name="count"/> records).</summary>
    /// <exception cref="FileNotFoundException">No file for the split; the message lists where it looked.</exception>
    /// <exception cref="ArgumentOutOfRangeException">More examples requested than the files hold.</exception>
    public static ImageDataset Load(DataFolder folder, DataSplit split, int? count = null, ChecksumTable? checksums = null)
    {
        var files = FindFiles(folder, split);
        string name = split == DataSplit.Train ? "cifar10-train" : "cifar10-test";
        var parts = new List<ImageDataset>();
        int have = 0;
        foreach (var file in files)
        {
            if (count is int wanted && have >= wanted) break;
            var part = Cifar10Reader.Read(file, name, checksums: checksums);
            if (count is int c && have + part.Count > c) part = part.Take(c - have);
            parts.Add(part);
            have += part.Count;
        }
        if (count is int n && have < n)
            throw new ArgumentOutOfRangeException(nameof(count), count,
                $"The CIFAR-10 {split.ToString().ToLowerInvariant()} files ({string.Join(", ", files)}) hold {have} " +
                $"records; {n} were requested.");
        return parts.Count == 1 ? parts[0] : ImageDataset.Concat(name, [.. parts]);
    }

    /// <summary>Loads a split from a data folder given by path.</summary>
    public static ImageDataset Load(string folder, DataSplit split, int? count = null)
        => Load(DataFolder.Open(folder), split, count);

    /// <summary>The files a split is read from, in order.</summary>
    /// <exception cref="FileNotFoundException">Nothing found.</exception>
    public static IReadOnlyList<string> FindFiles(DataFolder folder, DataSplit split)
    {
        string[] officialNames = split == DataSplit.Train
            ? Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin").ToArray()
            : ["test_batch.bin"];
        foreach (var directory in new[] { folder.Combine(Subfolder, "cifar-10-batches-bin"), folder.Combine(Subfolder),
                     folder.Combine("cifar-10-batches-bin"), folder.Path })
        {
            var official = officialNames.Select(n => Path.Combine(directory, n)).ToArray();
            if (official.All(File.Exists)) return official;
        }
        string subsetName = split == DataSplit.Train ? "cifar10-train-10k.bin" : "cifar10-test-10k.bin";
        var subset = folder.FindFile(Subfolder, subsetName + ".gz", subsetName);
        if (subset is not null) return [subset];
        throw new FileNotFoundException(
            $"No CIFAR-10 {split.ToString().ToLowerInvariant()} data in '{folder.Combine(Subfolder)}' (looked for " +
            $"{string.Join(", ", officialNames)} and {subsetName}(.gz)). " + DataFolder.HowToPointAtData);
    }
}
