using System.Buffers.Binary;

namespace Telescope.Reporting.TensorBoard;

/// <summary>
/// Encodes TensorBoard's <c>Event</c> messages (event.proto, summary.proto, tensor.proto and the hparams plugin's
/// plugin_data.proto, by field number): the file-version event, scalars (<c>simple_value</c>), PNG images
/// (<c>Summary.Image</c>), text (a rank-0 string tensor for the text plugin) and hyperparameters (the hparams plugin's
/// <c>session_start_info</c>). See docs/tensorboard.md §"Event files".
/// </summary>
internal static class SummaryEncoder
{
    // Event
    private const int EventWallTime = 1, EventStep = 2, EventFileVersion = 3, EventSummary = 5;
    // Summary, Summary.Value
    private const int SummaryValue = 1, ValueTag = 1, ValueSimple = 2, ValueImage = 4, ValueTensor = 8, ValueMetadata = 9;
    // Summary.Image
    private const int ImageHeight = 1, ImageWidth = 2, ImageColorspace = 3, ImageEncoded = 4;
    // SummaryMetadata, PluginData
    private const int MetadataPluginData = 1, PluginName = 1, PluginContent = 2;
    // TensorProto, TensorShapeProto, Dim; DataType values
    private const int TensorDtype = 1, TensorShape = 2, TensorStringVal = 8, ShapeDim = 2, DimSize = 1;
    private const int DtFloat = 1, DtString = 7;
    // HParamsPluginData, SessionStartInfo, map entry, google.protobuf.Value
    private const int HParamsVersion = 1, HParamsSessionStart = 3, StartHParams = 1, StartTime = 5;
    private const int EntryKey = 1, EntryValue = 2, NumberValue = 2, StringValue = 3, BoolValue = 4;

    /// <summary>The tag under which the hparams plugin looks for a session's hyperparameters.</summary>
    public const string SessionStartInfoTag = "_hparams_/session_start_info";

    /// <summary>The first event of every file: <c>file_version = "brain.Event:2"</c>.</summary>
    public static byte[] FileVersion(double wallTime) =>
        new ProtoWriter().Double(EventWallTime, wallTime).String(EventFileVersion, "brain.Event:2").ToArray();

    /// <summary>One event holding a scalar (float32 <c>simple_value</c>) per (tag, value).</summary>
    public static byte[] Scalars(double wallTime, long step, IReadOnlyList<(string Tag, double Value)> values) =>
        Summary(wallTime, step, s =>
        {
            foreach (var (tag, value) in values)
                s.Message(SummaryValue, v => v.String(ValueTag, tag).Float(ValueSimple, (float)value));
        });

    /// <summary>An encoded image (PNG): height, width and colorspace are read from its header.</summary>
    public static byte[] Image(double wallTime, long step, string tag, byte[] png)
    {
        var (width, height, colorspace) = PngHeader(png);
        return Summary(wallTime, step, s => s.Message(SummaryValue, v => v.String(ValueTag, tag).Message(ValueImage, i => i
            .Int64(ImageHeight, height).Int64(ImageWidth, width).Int64(ImageColorspace, colorspace).Bytes(ImageEncoded, png))));
    }

    /// <summary>Markdown text for the text plugin: a rank-0 DT_STRING tensor with plugin "text".</summary>
    public static byte[] Text(double wallTime, long step, string tag, string markdown) =>
        Summary(wallTime, step, s => s.Message(SummaryValue, v => v
            .String(ValueTag, tag)
            .Message(ValueMetadata, m => m.Message(MetadataPluginData, p => p.String(PluginName, "text")))
            .Message(ValueTensor, t => t.Int64(TensorDtype, DtString).Message(TensorShape, _ => { }).String(TensorStringVal, markdown))));

    /// <summary>
    /// The hparams plugin's session start: each setting as a number, bool or string; the value itself is an empty
    /// float tensor (the plugin reads only the metadata).
    /// </summary>
    public static byte[] HParams(double wallTime, IReadOnlyList<(string Name, object Value)> hparams)
    {
        var content = new ProtoWriter().Int64(HParamsVersion, 0).Message(HParamsSessionStart, start =>
        {
            foreach (var (name, value) in hparams)
                start.Message(StartHParams, entry => entry.String(EntryKey, name).Message(EntryValue, v => _ = value switch
                {
                    bool b => v.Int64(BoolValue, b ? 1 : 0),
                    double d => v.Double(NumberValue, d),
                    int i => v.Double(NumberValue, i),
                    long l => v.Double(NumberValue, l),
                    _ => v.String(StringValue, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? ""),
                }));
            start.Double(StartTime, wallTime);
        }).ToArray();
        return Summary(wallTime, 0, s => s.Message(SummaryValue, v => v
            .String(ValueTag, SessionStartInfoTag)
            .Message(ValueMetadata, m => m.Message(MetadataPluginData, p => p.String(PluginName, "hparams").Bytes(PluginContent, content)))
            .Message(ValueTensor, t => t.Int64(TensorDtype, DtFloat).Message(TensorShape, sh => sh.Message(ShapeDim, d => d.Int64(DimSize, 0))))));
    }

    private static byte[] Summary(double wallTime, long step, Action<ProtoWriter> values) =>
        new ProtoWriter().Double(EventWallTime, wallTime).Int64(EventStep, step).Message(EventSummary, values).ToArray();

    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Width, height and TensorBoard colorspace (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA) from a PNG's IHDR chunk.</summary>
    internal static (int Width, int Height, int Colorspace) PngHeader(ReadOnlySpan<byte> png)
    {
        // Signature (8 bytes), then the IHDR chunk: length (4), "IHDR" (4), width (4), height (4), depth (1), colour type (1).
        if (png.Length < 26 || !png[..8].SequenceEqual(PngSignature) || !png[12..16].SequenceEqual("IHDR"u8))
            throw new ArgumentException("The image is not a PNG file (no PNG signature and IHDR chunk).", nameof(png));
        int width = BinaryPrimitives.ReadInt32BigEndian(png[16..]), height = BinaryPrimitives.ReadInt32BigEndian(png[20..]);
        int colorspace = png[25] switch { 0 => 1, 4 => 2, 2 or 3 => 3, 6 => 4, var t => throw new ArgumentException($"PNG colour type {t} is not defined.", nameof(png)) };
        return (width, height, colorspace);
    }
}
