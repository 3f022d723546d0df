using System.Buffers.Binary;
using System.IO.Compression;

namespace Telescope.Tests.Data;

/// <summary>Tiny data files generated in code, in a private temporary folder deleted on dispose.</summary>
public sealed class DataFixtures : IDisposable
{
    public DataFixtures()
    {
        Root = Path.Combine(Path.GetTempPath(), "telescope-data-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }

    /// <summary>IDX image content: count images of rows×cols whose pixel (i, j) is (i·31 + j·7) mod 256.</summary>
    public static byte[] IdxImages(int count, int rows, int cols, int magic = 0x803)
    {
        var bytes = new byte[16 + count * rows * cols];
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(0), magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), cols);
        for (int i = 0; i < count; i++)
            for (int j = 0; j < rows * cols; j++)
                bytes[16 + i * rows * cols + j] = PixelByte(i, j);
        return bytes;
    }

    public static byte PixelByte(int image, int index) => (byte)((image * 31 + index * 7) % 256);

    /// <summary>IDX label content with the given labels.</summary>
    public static byte[] IdxLabels(params byte[] labels)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(0), 0x801);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Length);
        labels.CopyTo(bytes, 8);
        return bytes;
    }

    /// <summary>CIFAR-10 binary records: labels as given, pixel j of record i = (i·13 + j) mod 256.</summary>
    public static byte[] CifarRecords(params byte[] labels)
    {
        var bytes = new byte[labels.Length * 3073];
        for (int i = 0; i < labels.Length; i++)
        {
            bytes[i * 3073] = labels[i];
            for (int j = 0; j < 3072; j++) bytes[i * 3073 + 1 + j] = (byte)((i * 13 + j) % 256);
        }
        return bytes;
    }

    public static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(content);
        return output.ToArray();
    }

    /// <summary>Writes a file under the fixture root (creating subfolders) and returns its path.</summary>
    public string Write(string relativePath, byte[] content)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }
}
