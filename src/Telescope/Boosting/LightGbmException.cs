namespace Telescope.Boosting;

/// <summary>A LightGBM C API call returned a non-zero code; <see cref="LightGbmMessage"/> is LightGBM's own text.</summary>
public sealed class LightGbmException : Exception
{
    /// <summary>The C API function that failed, e.g. <c>LGBM_BoosterCreate</c>.</summary>
    public string Function { get; }
    /// <summary>The return code (LightGBM uses -1).</summary>
    public int Code { get; }
    /// <summary>The text of <c>LGBM_GetLastError()</c> right after the failure.</summary>
    public string LightGbmMessage { get; }

    public LightGbmException(string function, int code, string lightGbmMessage)
        : base($"LightGBM {function} failed (code {code}): {lightGbmMessage}")
    {
        Function = function;
        Code = code;
        LightGbmMessage = lightGbmMessage;
    }
}
