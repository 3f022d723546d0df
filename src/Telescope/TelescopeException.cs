namespace Telescope;

/// <summary>A user-facing error: the message says what is wrong and what to do about it.</summary>
public class TelescopeException : Exception
{
    public TelescopeException(string message) : base(message) { }
    public TelescopeException(string message, Exception inner) : base(message, inner) { }
}
