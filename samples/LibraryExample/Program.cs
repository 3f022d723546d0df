// The README's "Using the library in your own training loop" example as a program of its own, on random data
// (64 test inputs, 20 batches of 32), referencing the Telescope package. PackageTests checks that the README's
// code appears here line for line and that the output shows f̃ far closer to the network than f_lin.
using Telescope.Autodiff;
using Telescope.Models;
using Telescope.Telescoping;
using TorchSharp;

Telescope.TorchRuntime.Configure();   // before anything loads LibTorch (threads wait passively; see README)
Console.WriteLine($"Telescope {Telescope.TelescopeInfo.Version}");

using var g = new torch.Generator(7);
var testInputs = torch.rand(64, 784, generator: g);
var testLabels = torch.randint(0, 10, [64], generator: g);
var batches = Enumerable.Range(0, 20).Select(_ => (torch.rand(32, 784, generator: g), torch.randint(0, 10, [32], generator: g))).ToList();

var model = new Mlp(new MlpOptions { InputSize = 784, HiddenWidths = [128, 128], OutputSize = 10 }, seed: 0);
var engine = new ForwardModeJvp(model);                        // DoubleBackwardJvp works for any module
using var optimizer = torch.optim.AdamW(model.parameters(), 1e-3, weight_decay: 0.01);   // any optimizer
var scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 10, 0.5);
using var tracker = new TelescopingTracker(engine, [new TrackedSet("test", testInputs, testLabels)]);

foreach (var (x, y) in batches)
{
    optimizer.zero_grad();
    using var loss = torch.nn.functional.cross_entropy(model.forward(x), y);
    loss.backward();
    tracker.Step(() => optimizer.step());                      // your step; J_{t-1}·(θ_t − θ_{t-1}) recorded
    scheduler.step();
}
foreach (var m in tracker.Measure())
    Console.WriteLine($"{m.Set}: |f − f̃| = {m.ErrAbsTelescoping:G3}, |f − f_lin| = {m.ErrAbsLinear:G3}");
