namespace Telescope;

/// <summary>
/// A problem the user can fix (bad setting, missing data folder, diverged training, …). Its message says
/// what is wrong and what to do about it; the <c>telescope</c> command prints it as one line without a
/// stack trace and exits with code 2. Derive from it for any error a user should see as such.
/// </summary>
public class TelescopeException : Exception
{
    /// <summary>Creates the exception; <paramref name="message"/> names the problem and the remedy.</summary>
    public TelescopeException(string message) : base(message) { }

    /// <summary>Creates the exception wrapping the low-level cause (kept for <c>--verbose</c> output).</summary>
    public TelescopeException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Optional second line shown under the message, e.g. a command to try.</summary>
    public string? Hint { get; init; }
}
