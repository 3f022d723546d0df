using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using Telescope.Data;

namespace Telescope.Runs;

/// <summary>
/// The contents of a run's config.json: recipe name, quick flag, every resolved setting, the Telescope
/// version and machine facts. <c>telescope run --config runs/x/config.json</c> re-creates the settings
/// exactly (doubles are written in round-trip form).
/// </summary>
public sealed record RunConfig
{
    public const string FileName = "config.json";

    public required string Recipe { get; init; }
    public required bool Quick { get; init; }
    /// <summary>Telescope version that wrote the config.</summary>
    public string TelescopeVersion { get; init; } = MachineInfo.TelescopeVersion;
    /// <summary>When the run started (UTC).</summary>
    public DateTimeOffset CreatedUtc { get; init; } = DateTimeOffset.UtcNow;
    /// <summary>Data folder given with --data or TELESCOPE_DATA, if any (informational).</summary>
    public string? DataDirectory { get; init; }
    /// <summary>Machine facts; null when read from a file that has none.</summary>
    public MachineInfo? Machine { get; init; }
    /// <summary>Data files the run read by path, with their sha256 (<see cref="RunContext.RecordDataFile"/>); empty when none.</summary>
    public IReadOnlyList<DataFileRecord> DataFiles { get; init; } = [];
    /// <summary>Setting values keyed by name, in declaration order, as JSON values.</summary>
    public required IReadOnlyList<KeyValuePair<string, JsonElement>> Settings { get; init; }

    /// <summary>Captures the resolved <paramref name="settings"/> of <paramref name="recipe"/>.</summary>
    public static RunConfig FromSettings(string recipe, RecipeSettings settings, MachineInfo? machine,
        string? dataDirectory = null) => new()
    {
        Recipe = recipe, Quick = settings.Quick, Machine = machine, DataDirectory = dataDirectory,
        // Non-finite doubles (JSON has none) become the strings "NaN", "Infinity", "-Infinity" the parser reads back.
        Settings = settings.Select(s => KeyValuePair.Create(s.Name, JsonSerializer.SerializeToElement(s.Value, SubRunResults.Options))).ToList(),
    };

    public string ToJson()
    {
        var json = new JsonObject
        {
            ["recipe"] = Recipe, ["quick"] = Quick, ["telescopeVersion"] = TelescopeVersion,
            ["createdUtc"] = CreatedUtc.ToString("O", CultureInfo.InvariantCulture), ["dataDirectory"] = DataDirectory,
        };
        if (Machine is not null) json["machine"] = JsonSerializer.SerializeToNode(Machine, MachineJsonOptions);
        if (DataFiles.Count > 0) json["dataFiles"] = JsonSerializer.SerializeToNode(DataFiles, MachineJsonOptions);
        json["settings"] = new JsonObject(Settings.Select(s => KeyValuePair.Create(s.Key, JsonSerializer.SerializeToNode(s.Value))));
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    /// <summary>Reads a config.json.</summary>
    /// <exception cref="TelescopeException">Missing file, invalid JSON or missing fields.</exception>
    public static RunConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new TelescopeException($"Config file '{path}' does not exist.")
            { Hint = "Pass the config.json of an earlier run, e.g. --config runs/<name>/config.json" };
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Invalid(path, "the top level is not an object");
            string? Text(string name) => root.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            string recipe = Text("recipe") ?? throw Invalid(path, "it has no \"recipe\" string");
            if (!root.TryGetProperty("settings", out var settings) || settings.ValueKind != JsonValueKind.Object)
                throw Invalid(path, "it has no \"settings\" object");
            return new RunConfig
            {
                Recipe = recipe,
                Quick = root.TryGetProperty("quick", out var q) && q.ValueKind is JsonValueKind.True,
                TelescopeVersion = Text("telescopeVersion") ?? "unknown",
                CreatedUtc = DateTimeOffset.TryParse(Text("createdUtc"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) ? t : default,
                DataDirectory = Text("dataDirectory"),
                Machine = root.TryGetProperty("machine", out var m) && m.ValueKind == JsonValueKind.Object
                    ? m.Deserialize<MachineInfo>(MachineJsonOptions) : null,
                DataFiles = root.TryGetProperty("dataFiles", out var f) && f.ValueKind == JsonValueKind.Array
                    ? f.Deserialize<List<DataFileRecord>>(MachineJsonOptions) ?? [] : [],
                Settings = settings.EnumerateObject().Select(p => new KeyValuePair<string, JsonElement>(p.Name, p.Value.Clone())).ToList(),
            };
        }
        catch (JsonException e)
        {
            throw new TelescopeException($"Config file '{path}' is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>
    /// Assigns every setting of this config to <paramref name="settings"/>. Returns the names of settings
    /// the recipe has but the file lacks (they keep their defaults; the caller should warn).
    /// </summary>
    /// <exception cref="TelescopeException">Unknown key or a value of the wrong type.</exception>
    public IReadOnlyList<string> ApplyTo(RecipeSettings settings)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in Settings)
        {
            var setting = settings[name];
            setting.SetValue(FromJson(setting, value), value.GetRawText());
            seen.Add(name);
        }
        // A result-neutral setting (checkpoint_minutes) missing from an older file is not worth a warning.
        return settings.Select(s => s.Name).Where(n => !seen.Contains(n) && !RecipeSettings.ResultNeutralKeys.Contains(n)).ToList();
    }

    private static object FromJson(Setting s, JsonElement e)
    {
        // A string is parsed like command-line text, which also covers "NaN"/"Infinity" where allowed.
        if (e.ValueKind == JsonValueKind.String && s.Kind is not (SettingKind.String or SettingKind.StringList))
            return SettingParser.Parse(s, e.GetString()!);
        try
        {
            // The value's CLR type is the default's: int, long, double, bool, string, int[], double[] or string[].
            object? value = e.Deserialize(s.DefaultValue.GetType());
            return value is null || (value is string[] list && list.Contains(null)) ? throw new JsonException("null") : value;
        }
        catch (JsonException)
        {
            throw new TelescopeException(
                $"Setting '{s.Name}' in the config file is {e.GetRawText()}, which is not a {s.TypeName}.")
            { Hint = "Fix the value in config.json, or override it with --set." };
        }
    }

    private static readonly JsonSerializerOptions MachineJsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static TelescopeException Invalid(string path, string why) =>
        new($"Config file '{path}' is not a Telescope run config: {why}.")
        { Hint = "Use the config.json written into a run folder by 'telescope run'." };

}
