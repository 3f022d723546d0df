namespace Telescope.Data;

/// <summary>
/// A data file given by path (the user's own data) that cannot be used: missing, malformed, or unfit for the
/// run. The message names the file and, where one is to blame, the line (text files, 1-based) or the record
/// (binary files, 0-based) and says what to do; the <c>telescope</c> command exits with code 2 and writes no
/// run folder.
/// </summary>
public sealed class DataFileException : TelescopeException
{
    /// <summary>Creates the exception; <paramref name="problem"/> is appended to "Data file '<paramref name="path"/>'".</summary>
    public DataFileException(string path, string problem, int? line = null, long? record = null, Exception? inner = null)
        : base(Compose(path, problem, line, record), inner ?? new InvalidDataException(problem))
    {
        FilePath = path;
        Line = line;
        Record = record;
    }

    private DataFileException(string path, string message, Exception inner) : base(message, inner)
    {
        FilePath = path;
        Line = inner.Data[Tabular.CsvTable.LineKey] as int?;
        Record = inner.Data[IdxReader.RecordKey] as long?;
    }

    /// <summary>
    /// Wraps a reader's error about <paramref name="path"/>; its message is kept as it is when it already names
    /// the file (the readers' messages do, with the record or line).
    /// </summary>
    public static DataFileException FromReader(string path, Exception error) =>
        error.Message.Contains(System.IO.Path.GetFileName(path), StringComparison.Ordinal)
            ? new DataFileException(path, error.Message, error)
            : new DataFileException(path, error.Message, error.Data[Tabular.CsvTable.LineKey] as int?,
                error.Data[IdxReader.RecordKey] as long?, error);

    /// <summary>The file at fault (full path).</summary>
    public string FilePath { get; }

    /// <summary>1-based line of a text file at fault, if one is.</summary>
    public int? Line { get; }

    /// <summary>0-based record of a binary file at fault, if one is.</summary>
    public long? Record { get; }

    private static string Compose(string path, string problem, int? line, long? record)
    {
        string where = line is int l ? $", line {l}" : record is long r ? $", record {r}" : "";
        return $"Data file '{path}'{where}: {problem}";
    }
}
