namespace Telescope.Data;

/// <summary>The raw content of an IDX image file: <see cref="Count"/> images of Rows×Columns bytes.</summary>
/// <param name="Count">Number of images.</param>
/// <param name="Rows">Image height.</param>
/// <param name="Columns">Image width.</param>
/// <param name="Pixels">Row-major bytes, Count·Rows·Columns of them.</param>
public sealed record IdxImages(int Count, int Rows, int Columns, byte[] Pixels);
