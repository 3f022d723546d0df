using Telescope.Data;
using Telescope.Runs;

namespace Telescope.Recipes;

/// <summary>
/// The settings and loading of a researcher's own image files, shared by the image recipes (approximation,
/// double-descent, grokking-mnist): <c>train_images</c>, <c>train_labels</c>, <c>test_images</c>,
/// <c>test_labels</c> (paths; IDX pairs, or CIFAR-10 binary files when the label paths are empty) and
/// <c>num_classes</c>. A recipe adds them with <see cref="AddOwnImageSettings"/> and offers the data choice
/// <c>files</c> (also what <c>auto</c> means when <c>train_images</c> is given).
/// </summary>
public static class OwnImages
{
    /// <summary>The data-setting choice that reads these files.</summary>
    public const string Choice = "files";

    private const string TrainImages = "train_images", TrainLabels = "train_labels", TestImages = "test_images",
        TestLabels = "test_labels", NumClasses = "num_classes";

    /// <summary>Adds the five settings (all empty / 10 by default).</summary>
    public static RecipeSettings AddOwnImageSettings(this RecipeSettings settings) => settings
        .AddString(TrainImages, "", "Your own training images (data=files, or auto when set): an IDX image file with train_labels, or a CIFAR-10 binary file without; gzip is fine")
        .AddString(TrainLabels, "", "IDX label file of train_images (empty when train_images is a CIFAR-10 binary file)")
        .AddString(TestImages, "", "Your own test images, same format and image size as train_images")
        .AddString(TestLabels, "", "IDX label file of test_images (empty for a CIFAR-10 binary file)")
        .AddInt(NumClasses, 10, "Classes of your IDX labels: every label must be in 0..num_classes−1 (CIFAR-10 format: 10)", min: 1, max: 256);

    /// <summary>Whether the settings name any own image file.</summary>
    public static bool AreGiven(RecipeSettings settings) =>
        settings.Contains(TrainImages) && new[] { TrainImages, TrainLabels, TestImages, TestLabels }.Any(k => settings.GetString(k).Length > 0);

    /// <summary>
    /// Throws when own files are set but the data choice would ignore them (a run on other data than the user
    /// named must not happen silently).
    /// </summary>
    public static void CheckNotIgnored(RecipeSettings settings, string choice)
    {
        if (choice != Choice && choice != "auto" && AreGiven(settings))
            throw new TelescopeException($"Image files are set (train_images, …) but data = {choice} would ignore them.")
            { Hint = $"Use --set data={Choice} (or auto) to run on your files, or clear train_images/test_images." };
    }

    /// <summary>
    /// Loads the training and test files (all their records), records them in the run (config.json, report) and
    /// checks that both splits have the same image shape and number of classes.
    /// </summary>
    /// <exception cref="TelescopeException">A path is missing or a file is bad (<see cref="DataFileException"/>).</exception>
    public static (ImageDataset Train, ImageDataset Test) Load(RunContext context)
    {
        var s = context.Settings;
        string trainImages = Required(s, TrainImages), testImages = Required(s, TestImages);
        string trainLabels = s.GetString(TrainLabels), testLabels = s.GetString(TestLabels);
        if ((trainLabels.Length == 0) != (testLabels.Length == 0))
            throw new TelescopeException("train_labels and test_labels must both be given (IDX files) or both be empty (CIFAR-10 binary files).")
            { Hint = "Give both IDX label files, or neither." };
        int classes = s.GetInt(NumClasses);
        var (train, trainRecords) = OwnImageFiles.Load(trainImages, trainLabels, classes, "train", "train");
        var (test, testRecords) = OwnImageFiles.Load(testImages, testLabels, classes, "test", "test");
        foreach (var r in trainRecords.Concat(testRecords)) context.RecordDataFile(r);
        if (train.Shape != test.Shape)
            throw new DataFileException(Path.GetFullPath(testImages),
                $"its images are {test.Shape} but the training images ('{Path.GetFullPath(trainImages)}') are {train.Shape}.");
        return (train, test);
    }

    /// <summary>
    /// The first <paramref name="count"/> examples of an own split, or an error naming its file;
    /// <paramref name="setting"/> names what asked for them.
    /// </summary>
    /// <exception cref="DataFileException">The file holds fewer examples.</exception>
    public static ImageDataset First(RunContext context, ImageDataset data, int count, string setting)
    {
        if (count <= data.Count) return data.Take(count);
        string key = data.Name == "train" ? TrainImages : TestImages;
        throw new DataFileException(Path.GetFullPath(context.Settings.GetString(key)),
            $"it holds {data.Count} images, fewer than {setting} = {count}.")
        { Hint = $"Lower the setting to {data.Count} or less, or give a larger file." };
    }

    /// <summary>One phrase naming the files, for data descriptions.</summary>
    public static string Describe(RecipeSettings settings) =>
        $"your own image files (train: {Path.GetFileName(settings.GetString(TrainImages))}, test: " +
        $"{Path.GetFileName(settings.GetString(TestImages))}; sha256 under Data files)";

    private static string Required(RecipeSettings s, string key)
    {
        string path = s.GetString(key);
        if (path.Length == 0)
            throw new TelescopeException($"data = {Choice} needs {key}, the path of your {(key == TrainImages ? "training" : "test")} images.")
            { Hint = $"Add --set {key}=PATH (an IDX image file, or a CIFAR-10 binary file)." };
        return path;
    }
}
