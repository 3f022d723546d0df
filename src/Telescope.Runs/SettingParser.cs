namespace Telescope.Runs;

/// <summary>Parses command-line text into a setting's typed value (culture-invariant).</summary>
internal static class SettingParser
{
    public static object Parse(Setting setting, string text)
    {
        string t = text.Trim();
        return setting.Kind switch
        {
            SettingKind.Int => ParseWhole<int>(setting, t, text, 32),
            SettingKind.Long => ParseWhole<long>(setting, t, text, 64),
            SettingKind.Double => ParseDouble(setting, t, text),
            SettingKind.Bool => ParseBool(setting, t, text),
            SettingKind.String => t,
            SettingKind.IntList => SplitList(t).Select(x => ParseWhole<int>(setting, x, text, 32)).ToArray(),
            SettingKind.DoubleList => SplitList(t).Select(x => ParseDouble(setting, x, text)).ToArray(),
            SettingKind.StringList => SplitList(t),
            _ => throw new InvalidOperationException($"Unknown setting kind {setting.Kind}."),
        };
    }

    private static string[] SplitList(string t) =>
        t.Length == 0 ? [] : t.Split(',').Select(x => x.Trim()).ToArray();

    private static T ParseWhole<T>(Setting s, string t, string whole, int bits) where T : System.Numerics.IBinaryInteger<T> =>
        T.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw Bad(s, t, whole, $"a whole number in the {bits}-bit range");

    private static double ParseDouble(Setting s, string t, string whole)
    {
        // Accept the usual spellings of the non-finite values; the setting's validator decides whether
        // they are allowed, so the user learns "must be finite" rather than "not a number".
        switch (t.ToLowerInvariant())
        {
            case "nan": return double.NaN;
            case "inf" or "+inf" or "infinity" or "+infinity": return double.PositiveInfinity;
            case "-inf" or "-infinity": return double.NegativeInfinity;
        }
        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v
            : throw Bad(s, t, whole, "a number such as 0.01 or 1e-3 (use '.' as the decimal point)");
    }

    private static bool ParseBool(Setting s, string t, string whole) => t.ToLowerInvariant() switch
    {
        "true" or "yes" or "on" or "1" => true,
        "false" or "no" or "off" or "0" => false,
        _ => throw Bad(s, t, whole, "true or false"),
    };

    private static TelescopeException Bad(Setting s, string token, string whole, string expected)
    {
        string got = token == whole.Trim() ? $"'{whole}'" : $"'{token}' in '{whole}'";
        return new TelescopeException(
            $"Setting '{s.Name}' could not read {got}: expected {s.TypeName}{s.ConstraintSuffix}, i.e. {expected}.")
        { Hint = $"Example: --set {s.Name}={Setting.Format(s.DefaultValue)}" };
    }
}
