using System.Buffers.Binary;

namespace Telescope.Data;

/// <summary>
/// Reads MNIST's IDX format (LeCun &amp; Cortes): a big-endian magic number 0x00000803 (unsigned-byte
/// images, 3 dimensions) or 0x00000801 (unsigned-byte labels, 1 dimension), the big-endian dimension
/// sizes, then the bytes. Files may be gzip-compressed or plain (detected from the content, not the
/// extension) and hold any number of records; known files are checksum-verified first.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic number of an IDX file of unsigned-byte images (3 dimensions).</summary>
    public const int ImageMagic = 0x00000803;

    /// <summary>Magic number of an IDX file of unsigned-byte labels (1 dimension).</summary>
    public const int LabelMagic = 0x00000801;

    /// <summary>Reads an IDX image file (gzip or plain), verifying it if its name is known.</summary>
    /// <exception cref="InvalidDataException">Wrong magic, truncated or oversized content; the message names the file.</exception>
    public static IdxImages ReadImages(string path, ChecksumTable? checksums = null)
        => ParseImages((checksums ?? KnownDataFiles.Table).ReadPayload(path), path);

    /// <summary>Reads an IDX label file (gzip or plain), verifying it if its name is known.</summary>
    /// <exception cref="InvalidDataException">Wrong magic, truncated or oversized content; the message names the file.</exception>
    public static byte[] ReadLabels(string path, ChecksumTable? checksums = null)
        => ParseLabels((checksums ?? KnownDataFiles.Table).ReadPayload(path), path);

    /// <summary>Parses uncompressed IDX image content; <paramref name="source"/> names it in errors.</summary>
    public static IdxImages ParseImages(byte[] payload, string source)
    {
        const int header = 16;
        CheckMagic(payload, ImageMagic, "images", source);
        if (payload.Length < header)
            throw new InvalidDataException($"IDX image file '{source}' is truncated: {payload.Length} bytes, shorter than its 16-byte header.");
        int count = ReadDimension(payload, 4, source), rows = ReadDimension(payload, 8, source), columns = ReadDimension(payload, 12, source);
        CheckLength(payload.Length, header, (long)rows * columns, count, $"images of {rows}×{columns}", source);
        return new IdxImages(count, rows, columns, payload.AsSpan(header).ToArray());
    }

    /// <summary>Magic number of an IDX file of big-endian float32 images (3 dimensions).</summary>
    public const int Float32ImageMagic = 0x00000D03;

    /// <summary>Magic number of an IDX file of big-endian float64 images (3 dimensions).</summary>
    public const int Float64ImageMagic = 0x00000E03;

    /// <summary>
    /// Parses IDX images of unsigned bytes (scaled by 1/255, as MNIST) or of float32 / float64 values (taken as
    /// stored; every one must be finite) into row-major floats. <paramref name="source"/> names the content in errors.
    /// </summary>
    /// <returns>The images and a phrase naming the element type and scaling, for provenance.</returns>
    /// <exception cref="InvalidDataException">Another magic number, a record count that does not match the size,
    /// or a NaN / infinite value (the record is in <see cref="Exception.Data"/>[<see cref="RecordKey"/>]).</exception>
    public static (int Count, int Rows, int Columns, float[] Pixels, string Encoding) ParseImagesAsFloats(byte[] payload, string source)
    {
        int magic = payload.Length >= 4 ? BinaryPrimitives.ReadInt32BigEndian(payload) : 0;
        if (magic is not (Float32ImageMagic or Float64ImageMagic))
        {
            var bytes = ParseImages(payload, source);
            var scaled = new float[bytes.Pixels.Length];
            for (long i = 0; i < scaled.Length; i++) scaled[i] = bytes.Pixels[i] / 255f;
            return (bytes.Count, bytes.Rows, bytes.Columns, scaled, "unsigned bytes / 255");
        }
        const int header = 16;
        int size = magic == Float32ImageMagic ? 4 : 8;
        if (payload.Length < header)
            throw new InvalidDataException($"IDX image file '{source}' is truncated: {payload.Length} bytes, shorter than its 16-byte header.");
        int count = ReadDimension(payload, 4, source), rows = ReadDimension(payload, 8, source), columns = ReadDimension(payload, 12, source);
        long perImage = (long)rows * columns;
        CheckLength(payload.Length, header, perImage * size, count, $"images of {rows}×{columns}", source);
        var pixels = new float[count * perImage];
        for (long k = 0; k < pixels.Length; k++)
        {
            var at = payload.AsSpan(header + (int)(k * size), size);
            double v = size == 4 ? BinaryPrimitives.ReadSingleBigEndian(at) : BinaryPrimitives.ReadDoubleBigEndian(at);
            if (!double.IsFinite(v) || (size == 8 && !float.IsFinite((float)v)))
                throw RecordError(
                    $"IDX file '{source}' holds {v} at pixel {k % perImage} of record {k / perImage}; every value must be a finite " +
                    "number (within float32 range).", k / perImage);
            pixels[k] = (float)v;
        }
        return (count, rows, columns, pixels, $"{(size == 4 ? "float32" : "float64")} values as stored");
    }

    /// <summary>Parses uncompressed IDX label content; <paramref name="source"/> names it in errors.</summary>
    public static byte[] ParseLabels(byte[] payload, string source)
    {
        const int header = 8;
        CheckMagic(payload, LabelMagic, "labels", source);
        if (payload.Length < header)
            throw new InvalidDataException($"IDX label file '{source}' is truncated: {payload.Length} bytes, shorter than its 8-byte header.");
        int count = ReadDimension(payload, 4, source);
        CheckLength(payload.Length, header, 1, count, "labels", source);
        return payload.AsSpan(header).ToArray();
    }

    /// <summary>
    /// Reads an image file and its label file into an <see cref="ImageDataset"/> (1 channel, pixels / 255),
    /// optionally only the first <paramref name="count"/> examples.
    /// </summary>
    /// <exception cref="InvalidDataException">Unequal image and label counts, a label ≥ numClasses, or a
    /// malformed file.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> exceeds what the files hold.</exception>
    public static ImageDataset ReadDataset(string imagesPath, string labelsPath, string name, int numClasses = 10,
        int? count = null, ChecksumTable? checksums = null)
    {
        var images = ReadImages(imagesPath, checksums);
        var labels = ReadLabels(labelsPath, checksums);
        if (images.Count != labels.Length)
            throw new InvalidDataException(
                $"Image file '{imagesPath}' holds {images.Count} images but label file '{labelsPath}' holds {labels.Length} " +
                "labels; they must come from the same split (pair train-images with train-labels, t10k-images with t10k-labels).");
        int n = count ?? images.Count;
        if (n < 0 || n > images.Count)
            throw new ArgumentOutOfRangeException(nameof(count), count,
                $"'{imagesPath}' holds {images.Count} images; {n} were requested.");
        int size = images.Rows * images.Columns;
        var pixels = new float[(long)n * size];
        for (long i = 0; i < pixels.Length; i++) pixels[i] = images.Pixels[i] / 255f;
        var labelInts = new int[n];
        for (int i = 0; i < n; i++)
        {
            labelInts[i] = labels[i];
            if (labels[i] >= numClasses)
                throw new InvalidDataException(
                    $"Label file '{labelsPath}' has label {labels[i]} at record {i}, outside 0..{numClasses - 1}.");
        }
        return new ImageDataset(name, new ImageShape(1, images.Rows, images.Columns), pixels, labelInts, numClasses);
    }

    private static void CheckMagic(byte[] payload, int expected, string kind, string source)
    {
        if (payload.Length < 4)
            throw new InvalidDataException($"IDX {kind} file '{source}' is truncated: only {payload.Length} bytes.");
        int magic = BinaryPrimitives.ReadInt32BigEndian(payload);
        if (magic == expected) return;
        string hint = magic switch
        {
            ImageMagic or Float32ImageMagic or Float64ImageMagic => " It is an IDX image file; was it passed where a label file belongs?",
            LabelMagic => " It is an IDX label file; was it passed where an image file belongs?",
            _ => " It is not an IDX file of this kind (or it is corrupt); own image files may also hold float32 (0x00000D03) or float64 (0x00000E03) images.",
        };
        throw new InvalidDataException(
            $"File '{source}' has magic number 0x{magic:X8}, but IDX {kind} start with 0x{expected:X8}.{hint}");
    }

    private static int ReadDimension(byte[] payload, int offset, string source)
    {
        int value = BinaryPrimitives.ReadInt32BigEndian(payload.AsSpan(offset));
        if (value < 0)
            throw new InvalidDataException($"IDX file '{source}' declares a negative dimension ({value}); it is corrupt.");
        return value;
    }

    /// <summary>Key under which errors about one record carry its 0-based index in <see cref="Exception.Data"/>.</summary>
    public const string RecordKey = "record";

    /// <summary>An <see cref="InvalidDataException"/> about record <paramref name="record"/> (also in its Data).</summary>
    internal static InvalidDataException RecordError(string message, long record)
    {
        var e = new InvalidDataException(message);
        e.Data[RecordKey] = record;
        return e;
    }

    private static void CheckLength(long actual, int header, long recordBytes, int count, string kind, string source)
    {
        long expected = header + recordBytes * count;
        if (actual < expected)
        {
            // Name the first record that is not all there, so a cut-off download is told from a wrong header.
            long complete = recordBytes == 0 ? count : Math.Max(0, actual - header) / recordBytes;
            throw RecordError(
                $"IDX file '{source}' is truncated: its header declares {count} {kind} ({expected} bytes with the header) " +
                $"but its content has {actual} bytes, so record {complete} is incomplete ({complete} complete records). " +
                "Download it again, or fix the record count in its header.", complete);
        }
        if (actual > expected)
            throw RecordError(
                $"IDX file '{source}' has {actual - expected} bytes after the {count} {kind} its header declares " +
                $"(record {count} onwards is not declared); the record count in its header does not match the file " +
                "size, so it is corrupt or not an IDX file.", count);
    }
}
