namespace Telescope.Data;

/// <summary>
/// A researcher's own image classification files, by path: an IDX pair (images N×rows×columns of unsigned bytes,
/// magic 0x00000803 as MNIST's, scaled to [0, 1] — or of float32 / float64, magic 0x00000D03 / 0x00000E03, taken
/// as stored — plus unsigned-byte labels, magic 0x00000801) or one CIFAR-10 binary file (records of 1 label byte +
/// 3·32·32 pixel bytes, scaled to [0, 1]) when no label file is given. Files may be gzip-compressed. Every file is hashed and, if its name is a known data file, verified; the
/// returned <see cref="DataFileRecord"/>s say which, so a run on unknown files is still traceable.
/// </summary>
/// <example>
/// <code>
/// var (train, records) = OwnImageFiles.Load("my-train-images.idx3-ubyte.gz", "my-train-labels.idx1-ubyte.gz",
///     numClasses: 10, name: "train", role: "train");
/// </code>
/// </example>
public static class OwnImageFiles
{
    /// <summary>Loads one split.</summary>
    /// <param name="imagesPath">IDX image file, or a CIFAR-10 binary file when <paramref name="labelsPath"/> is empty.</param>
    /// <param name="labelsPath">IDX label file; null or empty for CIFAR-10 format.</param>
    /// <param name="numClasses">Labels must lie in 0..numClasses−1 (CIFAR-10 format: 10, fixed by the format).</param>
    /// <param name="name">Name of the data set (carried into reports).</param>
    /// <param name="role">"train" or "test", for the provenance records and messages.</param>
    /// <exception cref="DataFileException">Missing file; wrong magic number; a record count that does not match the
    /// file size; a NaN or infinite float pixel; a CIFAR-10 file whose size is not a multiple of 3073; a label out of range (the record is named);
    /// image and label files of different lengths; a known file whose checksum differs.</exception>
    public static (ImageDataset Data, IReadOnlyList<DataFileRecord> Records) Load(string imagesPath, string? labelsPath,
        int numClasses, string name, string role, ChecksumTable? checksums = null)
    {
        if (string.IsNullOrWhiteSpace(labelsPath)) return LoadCifar(imagesPath, name, role, checksums);
        if (numClasses is < 1 or > 256)
            throw new TelescopeException($"num_classes = {numClasses}; IDX labels are bytes, so it must be in 1..256.");

        var images = OwnDataFile.Read(imagesPath, checksums);
        var labels = OwnDataFile.Read(labelsPath, checksums);
        (int Count, int Rows, int Columns, float[] Pixels, string Encoding) idx;
        byte[] labelBytes;
        try { idx = IdxReader.ParseImagesAsFloats(images.Payload, images.FullPath); }
        catch (InvalidDataException e) { throw DataFileException.FromReader(images.FullPath, e); }
        try { labelBytes = IdxReader.ParseLabels(labels.Payload, labels.FullPath); }
        catch (InvalidDataException e) { throw DataFileException.FromReader(labels.FullPath, e); }
        if (idx.Count != labelBytes.Length)
            throw new DataFileException(labels.FullPath,
                $"it holds {labelBytes.Length} labels but the image file '{images.FullPath}' holds {idx.Count} images; " +
                $"give the label file of the same {role} split.");
        if (idx.Count == 0) throw new DataFileException(images.FullPath, "it holds no images.");
        if (idx.Rows == 0 || idx.Columns == 0)
            throw new DataFileException(images.FullPath, $"its images are {idx.Rows}×{idx.Columns}; both sizes must be positive.");
        for (int i = 0; i < labelBytes.Length; i++)
            if (labelBytes[i] >= numClasses)
                throw new DataFileException(labels.FullPath,
                    $"label {labelBytes[i]} is outside 0..{numClasses - 1} (num_classes = {numClasses}).", record: i)
                { Hint = $"Set --set num_classes={labelBytes.Max() + 1} if the data set has that many classes." };

        var data = new ImageDataset(name, new ImageShape(1, idx.Rows, idx.Columns), idx.Pixels,
            labelBytes.Select(b => (int)b).ToArray(), numClasses);
        string shape = $"{idx.Count} images of 1×{idx.Rows}×{idx.Columns} (IDX, {idx.Encoding})";
        return (data,
        [
            Record($"{role} images", images, shape),
            Record($"{role} labels", labels, $"{idx.Count} labels in 0..{numClasses - 1} (IDX); {ClassCountText(data)}"),
        ]);
    }

    private static (ImageDataset, IReadOnlyList<DataFileRecord>) LoadCifar(string path, string name, string role, ChecksumTable? checksums)
    {
        var file = OwnDataFile.Read(path, checksums);
        ImageDataset data;
        try { data = Cifar10Reader.Parse(file.Payload, file.FullPath, name); }
        catch (InvalidDataException e) { throw DataFileException.FromReader(file.FullPath, e); }
        if (data.Count == 0) throw new DataFileException(file.FullPath, "it holds no records.");
        return (data, [Record($"{role} images and labels", file,
            $"{data.Count} CIFAR-10 binary records of 3×32×32 (bytes / 255), labels 0..9; {ClassCountText(data)}")]);
    }

    private static DataFileRecord Record(string role, (byte[] Payload, string FullPath, long Bytes, string Sha256, KnownDataFile? Known) file,
        string details) => new(role, file.FullPath, file.Bytes, file.Sha256, file.Known?.RelativePath, details);

    private static string ClassCountText(ImageDataset data) =>
        "examples per class: " + string.Join(" ", data.ClassCounts().Select((n, c) => $"{c}:{n}"));
}
