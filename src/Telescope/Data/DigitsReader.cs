using System.Globalization;
using System.Text;

namespace Telescope.Data;

/// <summary>
/// Reads scikit-learn's 8×8 handwritten digits as stored in the data folder
/// (<c>digits/sklearn-digits.csv.gz</c>): one example per line, 64 integer pixels in 0–16 (row-major)
/// then the label 0–9, no header. Pixels are scaled by 1/16 into [0, 1].
/// </summary>
public static class DigitsReader
{
    /// <summary>The file name in the data folder's <c>digits/</c> subfolder.</summary>
    public const string FileName = "sklearn-digits.csv.gz";

    /// <summary>Shape of one image.</summary>
    public static ImageShape Shape { get; } = new(1, 8, 8);

    /// <summary>Reads the digits from the data folder.</summary>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    public static ImageDataset Load(DataFolder folder, int? count = null, ChecksumTable? checksums = null)
    {
        var path = folder.FindFile("digits", FileName, Path.GetFileNameWithoutExtension(FileName))
            ?? throw new FileNotFoundException(
                $"The digits file was not found: looked for {folder.Combine("digits", FileName)}. {DataFolder.HowToPointAtData}");
        return Read(path, count, checksums);
    }

    /// <summary>Reads a digits CSV file (gzip or plain).</summary>
    /// <exception cref="InvalidDataException">A line without 65 integer fields, or a value out of range.</exception>
    public static ImageDataset Read(string path, int? count = null, ChecksumTable? checksums = null)
    {
        var text = Encoding.UTF8.GetString((checksums ?? KnownDataFiles.Table).ReadPayload(path));
        var pixels = new List<float>();
        var labels = new List<int>();
        int lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0) continue;
            if (count is int c && labels.Count >= c) break;
            var fields = line.Split(',');
            if (fields.Length != 65)
                throw new InvalidDataException(
                    $"Digits file '{path}' line {lineNumber} has {fields.Length} fields; expected 64 pixels and a label.");
            for (int j = 0; j < 65; j++)
            {
                if (!int.TryParse(fields[j], NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
                    || v < 0 || v > (j < 64 ? 16 : 9))
                    throw new InvalidDataException(
                        $"Digits file '{path}' line {lineNumber} field {j + 1} is '{fields[j]}'; pixels must be integers " +
                        "0–16 and the label 0–9.");
                if (j < 64) pixels.Add(v / 16f);
                else labels.Add(v);
            }
        }
        if (count is int wanted && labels.Count < wanted)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"'{path}' holds {labels.Count} digits.");
        return new ImageDataset("digits", Shape, pixels.ToArray(), labels.ToArray(), 10);
    }
}
