using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit;

namespace Telescope.Tests.Reporting.Html;

/// <summary>A fact that needs Debian's chromium: skipped, saying how to install it, when it is not installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (HeadlessChromium.FindExecutable() is null)
            Skip = "Needs a Chromium browser: install Debian's package (apt-get install -y chromium; ./test.sh without --fast does " +
                   "this as root) or put chromium on PATH.";
    }
}

/// <summary>
/// A headless Chromium driven over the DevTools protocol (a WebSocket on 127.0.0.1): navigate, evaluate JavaScript,
/// take screenshots, and collect console errors and uncaught exceptions. One page; dispose to end the browser.
/// </summary>
internal sealed partial class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly Dictionary<int, TaskCompletionSource<JsonObject>> _pending = [];
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _receive;
    private int _nextId;

    /// <summary>Console errors, uncaught exceptions and error log entries seen so far.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>The URL of every network request the page made.</summary>
    public List<string> Requests { get; } = [];

    public static string? FindExecutable() =>
        new[] { "chromium", "chromium-browser", "google-chrome" }
            .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex Listening();

    public static async Task<HeadlessChromium> StartAsync(int width = 1100, int height = 900)
    {
        string exe = FindExecutable() ?? throw new InvalidOperationException("chromium is not installed");
        string profile = Directory.CreateTempSubdirectory("telescope-chromium-").FullName;
        var info = new ProcessStartInfo(exe)
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        foreach (string a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                     "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", $"--user-data-dir={profile}",
                     $"--window-size={width},{height}", "about:blank" })
            info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        _ = process.StandardOutput.ReadToEndAsync();   // drained so the browser never blocks on it
        var browser = new HeadlessChromium(process, profile);
        string? url = null;
        var deadline = Stopwatch.StartNew();
        var stderr = new StringBuilder();
        while (url is null && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            string? line = await process.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            if (line is null) break;
            stderr.AppendLine(line);
            if (Listening().Match(line) is { Success: true } m) url = m.Groups[1].Value;
        }
        if (url is null)
        {
            await browser.DisposeAsync();
            throw new InvalidOperationException($"chromium did not start its DevTools endpoint:\n{stderr}");
        }
        _ = process.StandardError.ReadToEndAsync();
        // The page target: ask the browser endpoint's HTTP side for its list of targets.
        var port = new Uri(url).Port;
        using var http = new HttpClient();
        var targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"))!.AsArray();
        string pageUrl = targets.First(t => (string?)t!["type"] == "page")!["webSocketDebuggerUrl"]!.GetValue<string>();
        await browser._socket.ConnectAsync(new Uri(pageUrl), CancellationToken.None);
        browser._receive = Task.Run(browser.ReceiveLoop);
        await browser.SendAsync("Runtime.enable");
        await browser.SendAsync("Log.enable");
        await browser.SendAsync("Page.enable");
        await browser.SendAsync("Network.enable");
        return browser;
    }

    public async Task<JsonObject> SendAsync(string method, JsonObject? parameters = null)
    {
        int id = Interlocked.Increment(ref _nextId);
        var done = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock) _pending[id] = done;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        var reply = await done.Task.WaitAsync(TimeSpan.FromSeconds(60));
        if (reply["error"] is { } error) throw new InvalidOperationException($"{method}: {error.ToJsonString()}");
        return reply["result"]!.AsObject();
    }

    /// <summary>Evaluates <paramref name="expression"/> (awaiting a promise) and returns its value as JSON.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true,
        });
        if (result["exceptionDetails"] is { } ex) throw new InvalidOperationException($"JavaScript failed: {ex.ToJsonString()}");
        return result["result"]!["value"]?.DeepClone();
    }

    public async Task NavigateAsync(string url) => await SendAsync("Page.navigate", new JsonObject { ["url"] = url });

    /// <summary>A PNG of the page region (CSS pixels, page coordinates).</summary>
    public async Task<byte[]> ScreenshotAsync(double x, double y, double width, double height)
    {
        var result = await SendAsync("Page.captureScreenshot", new JsonObject
        {
            ["format"] = "png", ["captureBeyondViewport"] = true,
            ["clip"] = new JsonObject { ["x"] = x, ["y"] = y, ["width"] = width, ["height"] = height, ["scale"] = 1 },
        });
        return Convert.FromBase64String(result["data"]!.GetValue<string>());
    }

    private async Task ReceiveLoop()
    {
        var buffer = new byte[1 << 20];
        var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
            {
                var r = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (r.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, r.Count);
                if (!r.EndOfMessage) continue;
                var json = JsonNode.Parse(message.ToArray())!.AsObject();
                message.SetLength(0);
                if (json["id"] is { } id)
                {
                    TaskCompletionSource<JsonObject>? done;
                    lock (_lock) _pending.Remove(id.GetValue<int>(), out done);
                    done?.TrySetResult(json);
                }
                else Observe(json);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException) { }
    }

    private void Observe(JsonObject e)
    {
        string method = (string?)e["method"] ?? "";
        var p = e["params"];
        string? error = method switch
        {
            "Runtime.exceptionThrown" => "exception: " + p!["exceptionDetails"]!.ToJsonString(),
            "Runtime.consoleAPICalled" when (string?)p!["type"] is "error" or "assert" => "console." + p["type"] + ": " + p["args"]!.ToJsonString(),
            "Log.entryAdded" when (string?)p!["entry"]!["level"] == "error" => "log: " + p["entry"]!.ToJsonString(),
            _ => null,
        };
        if (error is not null) lock (Errors) Errors.Add(error);
        if (method == "Network.requestWillBeSent") lock (Requests) Requests.Add((string?)p!["request"]!["url"] ?? "");
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        await _process.WaitForExitAsync();
        _socket.Dispose();
        if (_receive is not null) await _receive;
        try { Directory.Delete(_profile, true); } catch (IOException) { }
    }
}
