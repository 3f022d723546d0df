namespace Telescope.Recipes;

/// <summary>
/// The image data of a run: the user's own files when given (<see cref="OwnImages"/>), else MNIST when a data
/// folder is available, else the built-in synthetic set.
/// </summary>
public sealed record ImageSource(ImageDataset Train, ImageDataset Test, string Description, bool IsSynthetic)
{
    /// <summary>Values of the <c>data</c> setting.</summary>
    public static readonly string[] Choices = ["auto", "mnist", "synthetic", OwnImages.Choice];

    /// <summary>
    /// Loads <paramref name="trainCount"/> training and <paramref name="testCount"/> test images.
    /// "auto" means the own files when train_images is set, else MNIST when --data / TELESCOPE_DATA is given,
    /// otherwise the synthetic set (said in the progress output and the report, never silently).
    /// </summary>
    public static ImageSource Load(RunContext context, string choice, OwnImageSettings own, int trainCount, int testCount)
    {
        OwnImages.CheckNotIgnored(own, choice);
        if (choice == OwnImages.Choice || (choice == "auto" && OwnImages.AreGiven(own)))
        {
            var (allTrain, allTest) = OwnImages.Load(context, own);
            var ownTrain = OwnImages.First(own, allTrain, trainCount, "train_size");
            var ownTest = OwnImages.First(own, allTest, testCount, "the test-image count (test_size or test_probes)");
            return new ImageSource(ownTrain, ownTest,
                $"{OwnImages.Describe(own)}: the first {ownTrain.Count} training and the first {ownTest.Count} test images, " +
                $"{ownTrain.Shape}, {ownTrain.NumClasses} classes", IsSynthetic: false);
        }
        bool mnist = choice switch
        {
            "mnist" => true,
            "synthetic" => false,
            "auto" => context.DataDirectory is not null,
            _ => throw new TelescopeException($"Unknown data choice '{choice}'.") { Hint = "Use --set data=auto, mnist, synthetic or files." },
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
