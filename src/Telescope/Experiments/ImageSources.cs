using Telescope.Data;

namespace Telescope.Experiments;

/// <summary>The image data of a run: MNIST when a data folder is available, else the built-in synthetic set.</summary>
public sealed record ImageSource(ImageDataset Train, ImageDataset Test, string Description, bool IsSynthetic)
{
    /// <summary>Values of the <c>data</c> setting.</summary>
    public static readonly string[] Choices = ["auto", "mnist", "synthetic"];

    /// <summary>
    /// Loads <paramref name="trainCount"/> training and <paramref name="testCount"/> test images.
    /// "auto" means MNIST when --data / TELESCOPE_DATA is given, otherwise the synthetic set (said in the
    /// progress output and the report, never silently).
    /// </summary>
    public static ImageSource Load(RunContext context, string choice, int trainCount, int testCount)
    {
        bool mnist = choice switch
        {
            "mnist" => true,
            "synthetic" => false,
            "auto" => context.DataDirectory is not null,
            _ => throw new TelescopeException($"Unknown data choice '{choice}'.") { Hint = "Use --set data=auto, mnist or synthetic." },
        };
        if (!mnist)
        {
            if (choice == "auto")
                context.Progress.Message("No data folder given: using the built-in synthetic MNIST-like images. " +
                    "For real MNIST pass --data DIR or set TELESCOPE_DATA.");
            return new ImageSource(
                SyntheticImages.Load(DataSplit.Train, trainCount, (ulong)context.Seed),
                SyntheticImages.Load(DataSplit.Test, testCount, (ulong)context.Seed),
                $"synthetic MNIST-like images (built-in generator, seed {context.Seed}): {trainCount} train, {testCount} test",
                IsSynthetic: true);
        }
        var folder = DataFolder.Open(context.RequireDataDirectory());
        var train = MnistData.Load(folder, DataSplit.Train, trainCount);
        var test = MnistData.Load(folder, DataSplit.Test, testCount);
        return new ImageSource(train, test,
            $"MNIST: the first {train.Count} training images and the first {test.Count} test images", IsSynthetic: false);
    }
}
