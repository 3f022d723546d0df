namespace Telescope.Data;

/// <summary>
/// Reads CIFAR-10's binary format (the official <c>data_batch_*.bin</c> layout): records of 1 label byte
/// followed by 3072 pixel bytes — 1024 red, 1024 green, 1024 blue, each row-major 32×32 — which is
/// exactly CHW order. Files may be gzip-compressed or plain and hold any number of records.
/// </summary>
public static class Cifar10Reader
{
    /// <summary>Bytes of one image (3·32·32).</summary>
    public const int ImageBytes = 3 * 32 * 32;

    /// <summary>Bytes of one record (label + image).</summary>
    public const int RecordBytes = 1 + ImageBytes;

    /// <summary>The ten class names, index = label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>Shape of one CIFAR-10 image.</summary>
    public static ImageShape Shape { get; } = new(3, 32, 32);

    /// <summary>Reads a CIFAR-10 binary file (pixels / 255), optionally only its first <paramref name="count"/> records.</summary>
    /// <exception cref="InvalidDataException">The size is not a multiple of 3073 bytes or a label is not 0–9.</exception>
    public static ImageDataset Read(string path, string? name = null, int? count = null, ChecksumTable? checksums = null)
        => Parse((checksums ?? KnownDataFiles.Table).ReadPayload(path), path, name ?? Path.GetFileName(path), count);

    /// <summary>Parses uncompressed CIFAR-10 binary content; <paramref name="source"/> names it in errors.</summary>
    public static ImageDataset Parse(byte[] payload, string source, string name, int? count = null)
    {
        if (payload.Length % RecordBytes != 0)
            throw IdxReader.RecordError(
                $"CIFAR-10 file '{source}' has {payload.Length} bytes, not a multiple of the {RecordBytes}-byte record " +
                $"(1 label + {ImageBytes} pixels), so record {payload.Length / RecordBytes} is incomplete; it is truncated or " +
                "not in the CIFAR-10 binary format.", payload.Length / RecordBytes);
        int available = payload.Length / RecordBytes;
        int n = count ?? available;
        if (n < 0 || n > available)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"'{source}' holds {available} records; {n} were requested.");
        var pixels = new float[(long)n * ImageBytes];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            long record = (long)i * RecordBytes;
            int label = payload[record];
            if (label > 9)
                throw IdxReader.RecordError(
                    $"CIFAR-10 file '{source}' has label byte {label} in record {i}; labels are 0–9, so the file is " +
                    "corrupt or not in the CIFAR-10 binary format (CIFAR-100 records have 2 label bytes).", i);
            labels[i] = label;
            long dst = (long)i * ImageBytes;
            for (int j = 0; j < ImageBytes; j++) pixels[dst + j] = payload[record + 1 + j] / 255f;
        }
        return new ImageDataset(name, Shape, pixels, labels, 10, ClassNames);
    }
}
