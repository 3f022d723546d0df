using System.Reflection;

namespace Telescope;

/// <summary>Facts about the Telescope library itself.</summary>
public static class TelescopeInfo
{
    /// <summary>Informational version of the Telescope library (e.g. "1.0.0+abc123"), the package's version.</summary>
    public static string Version { get; } =
        typeof(TelescopeInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(TelescopeInfo).Assembly.GetName().Version?.ToString() ?? "unknown";
}
